//! build.rs -- link the movgc library from a build tree: $MOVGC_BUILDDIR
//! (as `make check` sets it), else ../../_build relative to this crate.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=MOVGC_BUILDDIR");
    let builddir = match env::var_os("MOVGC_BUILDDIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let crate_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
            crate_dir.join("..").join("..").join("_build")
        }
    };
    let libs = builddir.join("runtime").join(".libs");
    if !libs.join("libmovgc.so").exists() {
        println!(
            "cargo:warning=no {}: build movgc first or set MOVGC_BUILDDIR",
            libs.join("libmovgc.so").display()
        );
    }
    println!(
        "cargo:rerun-if-changed={}",
        libs.join("libmovgc.so").display()
    );
    println!("cargo:rustc-link-search=native={}", libs.display());
    println!("cargo:rustc-link-lib=dylib=movgc");
    // Tests and examples find the library without LD_LIBRARY_PATH.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", libs.display());
}
