//! Reading kyoso's own outputs back (for reports).

use std::fs::File;
use std::path::Path;

use arrow_array::{Array, Float64Array, Int64Array, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::OutputError;

/// One row of a run's `ticks` table.
#[derive(Debug, Clone, PartialEq)]
pub struct TickRow {
    pub tick: u32,
    pub metric: String,
    pub group_by: String,
    pub group: String,
    pub value: f64,
}

fn column<'a, T: 'static>(
    batch: &'a arrow_array::RecordBatch,
    name: &str,
    path: &Path,
) -> Result<&'a T, OutputError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| {
            OutputError::Encode(
                path.into(),
                format!("no column `{name}` of the expected type"),
            )
        })
}

/// Reads a run's `ticks.parquet`.
pub fn ticks(path: &Path) -> Result<Vec<TickRow>, OutputError> {
    let file = File::open(path).map_err(|e| OutputError::Io(path.into(), e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
        let tick = column::<Int64Array>(&batch, "tick", path)?;
        let metric = column::<StringArray>(&batch, "metric", path)?;
        let group_by = column::<StringArray>(&batch, "group_by", path)?;
        let group = column::<StringArray>(&batch, "group", path)?;
        let value = column::<Float64Array>(&batch, "value", path)?;
        for i in 0..batch.num_rows() {
            rows.push(TickRow {
                tick: u32::try_from(tick.value(i)).unwrap_or(u32::MAX),
                metric: metric.value(i).to_string(),
                group_by: group_by.value(i).to_string(),
                group: group.value(i).to_string(),
                value: if value.is_null(i) {
                    f64::NAN
                } else {
                    value.value(i)
                },
            });
        }
    }
    Ok(rows)
}

/// One row of a sweep's `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub point: usize,
    /// Values of the varied keys, as written.
    pub parameters: Vec<String>,
    pub metric: String,
    pub n: u64,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Reads a sweep's `summary.csv`: the varied keys and the rows.
pub fn summary(path: &Path) -> Result<(Vec<String>, Vec<SummaryRow>), OutputError> {
    let bad = |m: String| OutputError::Encode(path.into(), m);
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let metric_at = header
        .iter()
        .position(|h| h == "metric")
        .ok_or_else(|| bad("no `metric` column".into()))?;
    let keys = header[1..metric_at].to_vec();
    let mut rows = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| bad(e.to_string()))?;
        let num = |k: usize| {
            r.get(k)
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| bad(format!("bad number in column {}", k + 1)))
        };
        // A metric with no value at a point has no statistics (empty fields).
        if num(metric_at + 1)? == 0.0 {
            continue;
        }
        rows.push(SummaryRow {
            point: num(0)? as usize,
            parameters: (1..metric_at)
                .map(|k| r.get(k).unwrap_or("").to_string())
                .collect(),
            metric: r.get(metric_at).unwrap_or("").to_string(),
            n: num(metric_at + 1)? as u64,
            mean: num(metric_at + 2)?,
            ci_low: num(metric_at + 4)?,
            ci_high: num(metric_at + 5)?,
        });
    }
    Ok((keys, rows))
}

/// One column of a Parquet file kyoso wrote, as its schema documents it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDoc {
    pub name: String,
    /// The Arrow type in lower case (`int64`, `float64`, `string`, …),
    /// with `, nullable` when the column may hold nulls.
    pub data_type: String,
    pub unit: String,
    pub meaning: String,
}

/// The columns of a Parquet file with their `unit` and `meaning` metadata.
pub fn columns(path: &Path) -> Result<Vec<ColumnDoc>, OutputError> {
    let file = File::open(path).map_err(|e| OutputError::Io(path.into(), e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    Ok(builder
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let t = match f.data_type() {
                arrow_schema::DataType::Utf8 => "string".to_string(),
                arrow_schema::DataType::Boolean => "bool".to_string(),
                other => other.to_string().to_lowercase(),
            };
            let meta = |k: &str| f.metadata().get(k).cloned().unwrap_or_default();
            ColumnDoc {
                name: f.name().clone(),
                data_type: if f.is_nullable() {
                    format!("{t}, nullable")
                } else {
                    t
                },
                unit: meta("unit"),
                meaning: meta("meaning"),
            }
        })
        .collect())
}
