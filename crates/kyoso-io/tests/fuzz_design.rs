//! Fuzzing the design-CSV reader: arbitrary bytes and structured but
//! hostile CSV give a design or an error naming the file, never a panic.

use std::io::Write;

use kyoso_io::sweep::read_design;
use proptest::prelude::*;

fn read(bytes: &[u8]) -> Result<usize, String> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let name = file.path().display().to_string();
    match read_design(file.path()) {
        Ok(d) => {
            assert!(!d.points.is_empty());
            assert!(d.points.iter().all(|p| p.len() == d.keys.len()));
            Ok(d.points.len())
        }
        Err(e) => {
            assert!(e.to_string().contains(&name), "error without the file: {e}");
            Err(e.to_string())
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read(&bytes);
    }

    #[test]
    fn hostile_csv_never_panics(
        header in prop::collection::vec("[a-z._\" ]{0,12}", 0..5),
        rows in prop::collection::vec(prop::collection::vec("[-0-9.e,\"x ]{0,10}", 0..6), 0..20),
    ) {
        let mut text = header.join(",");
        for r in rows {
            text.push('\n');
            text.push_str(&r.join(","));
        }
        let _ = read(text.as_bytes());
    }
}
