//! `cargo xtask deps`: installs what pd needs beyond Cargo's reach. Idempotent, and
//! silent when everything is already there.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::{run_checked, show, workspace_root};

/// Debian packages pd needs at run time or in tests.
const DEBIAN_PACKAGES: &[&str] = &[
    // `gpg --symmetric`: the tests of `pd decrypt` encrypt legacy documents with it.
    "gnupg",
    // OCR: the program and its English and German language packs (the tests read a
    // document in `deu+eng`); the archive tests also box words with it.
    "tesseract-ocr",
    "tesseract-ocr-eng",
    "tesseract-ocr-deu",
    // `pdftotext` and `pdffonts`, which the archive tests read archives back with.
    "poppler-utils",
    // python3 with venv for the PDF/A validator below and libpdfium's wheel.
    "python3-venv",
    // The IMAP server pd-mail's tests start (crates/pd-mail/tests/common).
    "dovecot-imapd",
    // The SMTP sink `pd mail send` is tested against.
    "python3-aiosmtpd",
];

/// The independent PDF/A validator the archive tests run (PyPI `page-validation`, the
/// Python wheel of the `page` checker, which passes the veraPDF and Isartor corpora).
const PDFA_VALIDATOR: &str = "page-validation==0.11.0";
/// Where it is installed: a private venv under `.deps/`.
pub const PDFA_VENV: &str = "pdfa-venv";

/// The pypdfium2 wheel that carries libpdfium, and where the library sits inside it.
const PYPDFIUM2_VERSION: &str = "5.15.2";
const WHEEL_PLATFORM: &str = "manylinux_2_17_x86_64";
const LIBRARY_IN_WHEEL: &str = "pypdfium2_raw/libpdfium.so";
const LIBRARY_NAME: &str = "libpdfium.so";
/// Records which wheel the installed library came from, so a version bump reinstalls.
const VERSION_FILE: &str = "pypdfium2.version";

pub fn install() -> Result<()> {
    install_debian_packages()?;
    install_pdfium()?;
    install_pdfa_validator()
}

/// `.deps/pdfa-venv/` with `page-validation` in it; the archive tests find its Python
/// there. Reinstalled when the pinned version changes.
fn install_pdfa_validator() -> Result<()> {
    let venv = workspace_root().join(".deps").join(PDFA_VENV);
    let venv_python = venv.join("bin").join("python");
    let marker = venv.join("pd-validator.version");
    let installed = std::fs::read_to_string(&marker).unwrap_or_default();
    if venv_python.is_file() && installed.trim() == PDFA_VALIDATOR {
        return Ok(());
    }
    println!(
        "deps: installing the PDF/A validator ({PDFA_VALIDATOR}) into {}",
        venv.display()
    );
    if !venv_python.is_file() {
        run_quiet(Command::new(python()?).args(["-m", "venv"]).arg(&venv)).context(
            "the PDF/A validator needs python3 with venv (Debian: apt-get install python3-venv)",
        )?;
    }
    run_quiet(
        Command::new(&venv_python)
            .args(["-m", "pip", "install", "--quiet", "--only-binary=:all:"])
            .arg(PDFA_VALIDATOR),
    )?;
    run_quiet(Command::new(&venv_python).args(["-c", "import page"]))?;
    std::fs::write(&marker, format!("{PDFA_VALIDATOR}\n"))
        .with_context(|| format!("cannot write {}", marker.display()))?;
    Ok(())
}

/// `.deps/pdfium/` under the workspace root; pd-pipeline looks there too.
pub fn pdfium_dir() -> PathBuf {
    workspace_root().join(".deps").join("pdfium")
}

fn install_debian_packages() -> Result<()> {
    if DEBIAN_PACKAGES.is_empty() {
        return Ok(());
    }
    if !on_path("dpkg") {
        println!(
            "deps: not a Debian system; make sure these are installed: {}",
            DEBIAN_PACKAGES.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|package| !dpkg_installed(package))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "missing Debian packages: {0}\ninstall them with: sudo apt-get install {0}",
            missing.join(" ")
        );
    }
    println!("deps: installing {}", missing.join(" "));
    run_checked(Command::new("apt-get").args(["update", "-qq"]))?;
    run_checked(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg")
        .args(["-s", package])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .any(|line| line.trim() == "Status: install ok installed")
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn install_pdfium() -> Result<()> {
    let dir = pdfium_dir();
    let library = dir.join(LIBRARY_NAME);
    let version_file = dir.join(VERSION_FILE);
    let installed = std::fs::read_to_string(&version_file).unwrap_or_default();
    if library.is_file() && installed.trim() == PYPDFIUM2_VERSION {
        return Ok(());
    }

    println!("deps: fetching libpdfium from the pypdfium2 {PYPDFIUM2_VERSION} wheel on PyPI");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Inside the target folder, so the final rename stays on one file system.
    let work = TempDir::new(dir.join(format!(".download-{}", std::process::id())))?;

    let python = python()?;
    let mut download = Command::new(&python);
    download
        .args(["-m", "pip", "download", "--quiet", "--no-deps"])
        .args(["--only-binary=:all:", "--platform", WHEEL_PLATFORM])
        .arg(format!("pypdfium2=={PYPDFIUM2_VERSION}"))
        .arg("-d")
        .arg(&work.0);
    run_quiet(&mut download)?;
    let wheel = find_wheel(&work.0)?;

    // The wheel is a zip; python3 is already needed for pip, and its zipfile module
    // spares xtask a zip crate with a dozen dependencies of its own.
    let extracted = work.0.join(LIBRARY_NAME);
    let mut unzip = Command::new(&python);
    unzip
        .args([
            "-c",
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], 'wb') as out:\n\
             \x20   out.write(z.read(sys.argv[2]))",
        ])
        .arg(&wheel)
        .arg(LIBRARY_IN_WHEEL)
        .arg(&extracted);
    run_quiet(&mut unzip)?;
    let bytes = std::fs::read(&extracted)
        .with_context(|| format!("cannot read {}", extracted.display()))?;
    if !bytes.starts_with(b"\x7fELF") {
        bail!(
            "{LIBRARY_IN_WHEEL} in {} is not a shared library",
            wheel.display()
        );
    }

    std::fs::rename(&extracted, &library)
        .with_context(|| format!("cannot move libpdfium into {}", library.display()))?;
    let version_temp = work.0.join(VERSION_FILE);
    std::fs::write(&version_temp, format!("{PYPDFIUM2_VERSION}\n"))?;
    std::fs::rename(&version_temp, &version_file)?;
    println!(
        "deps: installed {} ({} MB)",
        library.display(),
        bytes.len() / 1_000_000
    );
    Ok(())
}

fn python() -> Result<String> {
    for candidate in ["python3", "python"] {
        if on_path(candidate) {
            return Ok(candidate.to_owned());
        }
    }
    bail!(
        "libpdfium comes from the pypdfium2 wheel, which needs python3 with pip to download; \
         install python3 and python3-pip, or point PD_PDFIUM_PATH at an existing libpdfium.so"
    )
}

fn find_wheel(dir: &Path) -> Result<PathBuf> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "whl") {
            return Ok(path);
        }
    }
    bail!("pip downloaded no wheel into {}", dir.display())
}

/// Runs `command` without echoing it; its output is shown only if it fails.
fn run_quiet(command: &mut Command) -> Result<()> {
    let out = command
        .output()
        .with_context(|| format!("cannot start `{}`", show(command)))?;
    if !out.status.success() {
        bail!(
            "`{}` failed ({}):\n{}{}",
            show(command),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// A scratch folder removed when dropped, whatever happened.
struct TempDir(PathBuf);

impl TempDir {
    fn new(path: PathBuf) -> Result<TempDir> {
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot clear {}", path.display()))?;
        }
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
