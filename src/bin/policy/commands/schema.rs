//! `policy schema`: the JSON Schemas of the file kinds, for editors.

use std::io::Write;
use std::path::Path;

use policy_lint::schema::Kind;

use crate::Failure;
use crate::args::SchemaArgs;
use crate::write::{Existing, write_file};

pub fn run(args: &SchemaArgs) -> Result<u8, Failure> {
    let Some(dir) = &args.out else {
        let kind = args
            .kind
            .ok_or_else(|| Failure::usage("name a kind to print, or give --out DIR"))?;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(kind.render().as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure::usage(format!("cannot write the schema: {e}")))?;
        return Ok(0);
    };
    let kinds: Vec<Kind> = match args.kind {
        Some(kind) => vec![kind],
        None => Kind::ALL.to_vec(),
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::usage(format!("cannot create `{}`: {e}", dir.display())))?;
    for kind in kinds {
        let path = dir.join(kind.file_name());
        let text = kind.render();
        if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            eprintln!("  unchanged  {}", path.display());
            continue;
        }
        write_file(
            dir,
            Path::new(&kind.file_name()),
            text.as_bytes(),
            Existing::Replace,
            None,
        )
        .map_err(|e| Failure::usage(format!("cannot write `{}`: {e}", path.display())))?;
        eprintln!("  wrote      {}", path.display());
    }
    Ok(0)
}
