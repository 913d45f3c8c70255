//! `cargo xtask samples [DIR]`: the generated sample documents, written to disk.

use std::path::Path;

use anyhow::{Context, Result};

/// Writes every sample document into `dir` (created if missing), each atomically.
pub fn write(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let samples = pd_pipeline::sample::sample_documents();
    for (name, bytes) in &samples {
        let path = dir.join(name);
        let temp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&temp, bytes).with_context(|| format!("cannot write {}", temp.display()))?;
        std::fs::rename(&temp, &path)
            .with_context(|| format!("cannot move {} into place", path.display()))?;
    }
    println!(
        "wrote {} sample documents to {}",
        samples.len(),
        dir.display()
    );
    Ok(())
}
