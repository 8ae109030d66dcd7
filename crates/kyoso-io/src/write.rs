//! Writers: Parquet (via arrow) and CSV (via csv).

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
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
                // Unsigned ids, ticks and counts are signed in files.
                Values::U32(_) => (DataType::Int64, false),
                Values::OptU32(_) => (DataType::Int64, true),
                Values::U64(_) => (DataType::Int64, false),
                Values::I64(_) => (DataType::Int64, false),
                Values::OptI64(_) => (DataType::Int64, true),
                Values::F64(_) => (DataType::Float64, false),
                Values::OptF64(_) => (DataType::Float64, true),
                Values::Str(_) => (DataType::Utf8, false),
                Values::OptStr(_) => (DataType::Utf8, true),
                Values::Bool(_) => (DataType::Boolean, false),
            };
            let meta = HashMap::from([
                ("unit".to_string(), c.unit.to_string()),
                ("meaning".to_string(), c.meaning.to_string()),
            ]);
            Field::new(c.name.as_ref(), dt, nullable).with_metadata(meta)
        })
        .collect();
    Schema::new(fields)
}

fn array(values: &Values) -> ArrayRef {
    match values {
        Values::U32(v) => Arc::new(Int64Array::from_iter_values(
            v.iter().map(|&x| i64::from(x)),
        )),
        Values::OptU32(v) => Arc::new(Int64Array::from_iter(v.iter().map(|x| x.map(i64::from)))),
        Values::U64(v) => {
            Arc::new(Int64Array::from_iter_values(v.iter().map(|&x| {
                i64::try_from(x).expect("ids and counts stay below 2^63")
            })))
        }
        Values::I64(v) => Arc::new(Int64Array::from(v.clone())),
        Values::OptI64(v) => Arc::new(Int64Array::from(v.clone())),
        Values::F64(v) => Arc::new(Float64Array::from(v.clone())),
        Values::OptF64(v) => Arc::new(Float64Array::from(v.clone())),
        Values::Str(v) => Arc::new(StringArray::from_iter_values(v.iter())),
        Values::OptStr(v) => Arc::new(StringArray::from(v.clone())),
        Values::Bool(v) => Arc::new(BooleanArray::from(v.clone())),
    }
}

/// The table as one Arrow batch, with the schema files carry (units and
/// meanings in the field metadata). Numeric and Boolean columns move
/// their buffers into the arrays where their type is the file's.
pub fn record_batch(table: Table) -> RecordBatch {
    let schema = Arc::new(schema(&table));
    let columns: Vec<ArrayRef> = table
        .columns
        .into_iter()
        .map(|c| match c.values {
            Values::I64(v) => Arc::new(Int64Array::from(v)) as ArrayRef,
            Values::F64(v) => Arc::new(Float64Array::from(v)),
            other => array(&other),
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("a table's columns have its schema")
}

/// Writes a table as one Parquet file (Snappy-compressed).
pub fn parquet(table: &Table, path: &Path) -> Result<(), OutputError> {
    let mut stream = ParquetStream::create(path, table)?;
    stream.write(table)?;
    stream.finish()
}

/// Rows per Parquet row group.
pub const ROW_GROUP: usize = 8192;

/// A Parquet file written batch by batch, for tables too long to hold in
/// memory at once. Every batch must have the first batch's columns.
pub struct ParquetStream {
    writer: ArrowWriter<File>,
    schema: Arc<Schema>,
    path: std::path::PathBuf,
}

impl ParquetStream {
    /// Creates the file with the schema of `like`.
    pub fn create(path: &Path, like: &Table) -> Result<ParquetStream, OutputError> {
        Self::create_with_schema(path, Arc::new(schema(like)))
    }

    /// Creates the file with an Arrow schema (for merging Parquet parts).
    pub fn create_with_schema(
        path: &Path,
        schema: Arc<Schema>,
    ) -> Result<ParquetStream, OutputError> {
        let file = File::create(path).map_err(|e| OutputError::Io(path.into(), e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            // Bounded row groups keep memory flat however long a table grows.
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .set_created_by(format!("kyoso {}", kyoso_core::VERSION))
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
        Ok(ParquetStream {
            writer,
            schema,
            path: path.into(),
        })
    }

    /// Appends the rows of `table`.
    pub fn write(&mut self, table: &Table) -> Result<(), OutputError> {
        let columns: Vec<ArrayRef> = table.columns.iter().map(|c| array(&c.values)).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| OutputError::Encode(self.path.clone(), e.to_string()))?;
        self.write_batch(&batch)
    }

    /// Appends an Arrow batch with this file's schema.
    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), OutputError> {
        self.writer
            .write(batch)
            .map_err(|e| OutputError::Encode(self.path.clone(), e.to_string()))
    }

    /// Writes the footer and syncs the file.
    pub fn finish(self) -> Result<(), OutputError> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| OutputError::Encode(self.path.clone(), e.to_string()))?;
        file.sync_all()
            .map_err(|e| OutputError::Io(self.path.clone(), e))
    }
}

/// A CSV file written a table at a time (a header row, then the rows of
/// every table appended), for tables that grow during a run.
pub struct CsvStream {
    writer: csv::Writer<File>,
    path: std::path::PathBuf,
}

impl CsvStream {
    /// Creates the file with the header of `like`.
    pub fn create(path: &Path, like: &Table) -> Result<CsvStream, OutputError> {
        let mut writer = csv::Writer::from_path(path)
            .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
        writer
            .write_record(like.columns.iter().map(|c| c.name.as_ref()))
            .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
        Ok(CsvStream {
            writer,
            path: path.into(),
        })
    }

    /// Appends the rows of `table` (same columns as the header's).
    pub fn write(&mut self, table: &Table) -> Result<(), OutputError> {
        for row in 0..table.rows() {
            self.writer
                .write_record(table.columns.iter().map(|c| c.values.text(row)))
                .map_err(|e| OutputError::Encode(self.path.clone(), e.to_string()))?;
        }
        Ok(())
    }

    /// Flushes and syncs the file.
    pub fn finish(self) -> Result<(), OutputError> {
        let path = self.path.clone();
        let file = self
            .writer
            .into_inner()
            .map_err(|e| OutputError::Encode(path.clone(), e.to_string()))?;
        file.sync_all().map_err(|e| OutputError::Io(path, e))
    }
}

/// Writes a table as CSV with a header row; missing values are empty fields.
pub fn csv(table: &Table, path: &Path) -> Result<(), OutputError> {
    let io = |e: std::io::Error| OutputError::Io(path.into(), e);
    let mut w = csv::Writer::from_path(path)
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    w.write_record(table.columns.iter().map(|c| c.name.as_ref()))
        .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    for row in 0..table.rows() {
        w.write_record(table.columns.iter().map(|c| c.values.text(row)))
            .map_err(|e| OutputError::Encode(path.into(), e.to_string()))?;
    }
    w.flush().map_err(io)?;
    Ok(())
}

/// Encodes an 8-bit RGB image (row-major, `width` × `height`) as PNG.
pub fn png_bytes(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .expect("encoding into memory cannot fail");
    writer
        .write_image_data(rgb)
        .expect("the buffer holds width × height RGB pixels");
    drop(writer);
    out
}

/// Writes an 8-bit RGB image as a PNG file.
pub fn png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), OutputError> {
    if rgb.len() != (width as usize) * (height as usize) * 3 {
        return Err(OutputError::Encode(
            path.into(),
            format!("{} bytes for a {width}×{height} RGB image", rgb.len()),
        ));
    }
    bytes(path, &png_bytes(width, height, rgb))
}

/// Writes bytes to a file and syncs it.
pub fn bytes(path: &Path, data: &[u8]) -> Result<(), OutputError> {
    let mut f = File::create(path).map_err(|e| OutputError::Io(path.into(), e))?;
    f.write_all(data)
        .map_err(|e| OutputError::Io(path.into(), e))?;
    f.sync_all().map_err(|e| OutputError::Io(path.into(), e))?;
    Ok(())
}
