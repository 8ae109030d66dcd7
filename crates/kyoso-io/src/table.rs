//! A small column-oriented table whose every column carries its unit and
//! meaning. The same table is written as Parquet (units in the field
//! metadata) and as CSV, and documented in docs/outputs.md.

use std::borrow::Cow;

/// The values of one column. Unsigned values (ids, ticks, counts) are
/// written as signed 64-bit integers, so that differences never wrap in
/// a reader (polars, DuckDB, R); none reaches 2^63.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    U32(Vec<u32>),
    OptU32(Vec<Option<u32>>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    OptI64(Vec<Option<i64>>),
    F64(Vec<f64>),
    OptF64(Vec<Option<f64>>),
    Str(Vec<String>),
    OptStr(Vec<Option<String>>),
    Bool(Vec<bool>),
}

impl Values {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Values::U32(v) => v.len(),
            Values::OptU32(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::OptI64(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::OptF64(v) => v.len(),
            Values::Str(v) => v.len(),
            Values::OptStr(v) => v.len(),
            Values::Bool(v) => v.len(),
        }
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of row `i` as CSV text (empty for a missing value).
    pub fn text(&self, i: usize) -> String {
        match self {
            Values::U32(v) => v[i].to_string(),
            Values::OptU32(v) => v[i].map(|x| x.to_string()).unwrap_or_default(),
            Values::U64(v) => v[i].to_string(),
            Values::I64(v) => v[i].to_string(),
            Values::OptI64(v) => v[i].map(|x| x.to_string()).unwrap_or_default(),
            Values::F64(v) => v[i].to_string(),
            Values::OptF64(v) => v[i].map(|x| x.to_string()).unwrap_or_default(),
            Values::Str(v) => v[i].clone(),
            Values::OptStr(v) => v[i].clone().unwrap_or_default(),
            Values::Bool(v) => v[i].to_string(),
        }
    }
}

/// One documented column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: Cow<'static, str>,
    pub unit: Cow<'static, str>,
    pub meaning: Cow<'static, str>,
    pub values: Values,
}

/// A named table of equally long columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<Column>,
}

impl Table {
    /// A table with no columns yet.
    pub fn new(name: &'static str) -> Table {
        Table {
            name,
            columns: Vec::new(),
        }
    }

    /// Adds a column (builder style).
    pub fn column(
        mut self,
        name: impl Into<Cow<'static, str>>,
        unit: impl Into<Cow<'static, str>>,
        meaning: impl Into<Cow<'static, str>>,
        values: Values,
    ) -> Table {
        let name = name.into();
        let (unit, meaning) = (unit.into(), meaning.into());
        if let Some(first) = self.columns.first() {
            assert_eq!(
                first.values.len(),
                values.len(),
                "column {name} of table {} has a different length",
                self.name
            );
        }
        self.columns.push(Column {
            name,
            unit,
            meaning,
            values,
        });
        self
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }
}
