//! Writers: Parquet (via arrow) and CSV (via csv).

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::OutputError;
use crate::table::{Table, Values};

/// The arrow schema of a table; each field carries `unit` and `meaning` metadata.
pub fn schema(table: &Table) -> Schema {
    let fields: Vec<Field> = table
        .columns
        .iter()
        .map(|c| {
            let (dt, nullable) = match &c.values {
                Values::U32(_) => (DataType::UInt32, false),
                Values::OptU32(_) => (DataType::UInt32, true),
                Values::U64(_) => (DataType::UInt64, false),
                Values::F64(_) => (DataType::Float64, false),
                Values::OptF64(_) => (DataType::Float64, true),
                Values::Str(_) => (DataType::Utf8, false),
                Values::Bool(_) => (DataType::Boolean, false),
            };
            let meta = HashMap::from([
                ("unit".to_string(), c.unit.to_string()),
                ("meaning".to_string(), c.meaning.to_string()),
            ]);
            Field::new(c.name, dt, nullable).with_metadata(meta)
        })
        .collect();
    Schema::new(fields)
}

fn array(values: &Values) -> ArrayRef {
    match values {
        Values::U32(v) => Arc::new(UInt32Array::from(v.clone())),
        Values::OptU32(v) => Arc::new(UInt32Array::from(v.clone())),
        Values::U64(v) => Arc::new(UInt64Array::from(v.clone())),
        Values::F64(v) => Arc::new(Float64Array::from(v.clone())),
        Values::OptF64(v) => Arc::new(Float64Array::from(v.clone())),
        Values::Str(v) => Arc::new(StringArray::from_iter_values(v.iter())),
        Values::Bool(v) => Arc::new(BooleanArray::from(v.clone())),
    }
}

/// Writes a table as one Parquet file (Snappy-compressed).
pub fn parquet(table: &Table, path: &Path) -> Result<(), OutputError> {
    let schema = Arc::new(schema(table));
    let columns: Vec<ArrayRef> = table.columns.iter().map(|c| array(&c.values)).collect();
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    let file = File::create(path).map_err(|e| OutputError::Io(path.into(), e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("kyoso {}", kyoso_core::VERSION))
        .build();
    let mut writer = ArrowWriter::try_new(file, schema, Some(props))
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    writer
        .write(&batch)
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    let file = writer
        .into_inner()
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    file.sync_all()
        .map_err(|e| OutputError::Io(path.into(), e))?;
    Ok(())
}

/// Writes a table as CSV with a header row; missing values are empty fields.
pub fn csv(table: &Table, path: &Path) -> Result<(), OutputError> {
    let io = |e: std::io::Error| OutputError::Io(path.into(), e);
    let mut w = csv::Writer::from_path(path)
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    w.write_record(table.columns.iter().map(|c| c.name))
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    for row in 0..table.rows() {
        w.write_record(table.columns.iter().map(|c| c.values.text(row)))
            .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    }
    w.flush().map_err(io)?;
    Ok(())
}

/// Writes bytes to a file and syncs it.
pub fn bytes(path: &Path, data: &[u8]) -> Result<(), OutputError> {
    let mut f = File::create(path).map_err(|e| OutputError::Io(path.into(), e))?;
    f.write_all(data)
        .map_err(|e| OutputError::Io(path.into(), e))?;
    f.sync_all().map_err(|e| OutputError::Io(path.into(), e))?;
    Ok(())
}
