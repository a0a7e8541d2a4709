//! build.rs -- find and link libmovgc.  In order:
//!   1. $MOVGC_BUILDDIR, a build tree (as `make check` sets it);
//!   2. ../../_build, the README's build directory, if movgc is built there;
//!   3. an installed movgc, through pkg-config (movgc.pc).
//! The static library is linked by default, so that programs run without
//! LD_LIBRARY_PATH; MOVGC_LINK=dylib links the shared one instead (with an
//! rpath for this crate's own tests and examples).  libffi is linked too
//! (found through pkg-config, else -lffi): a static libmovgc needs it, and
//! the crate's foreign calls name libffi's types either way.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pkg_config(args: &[&str]) -> Option<String> {
    let out = Command::new("pkg-config").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The directory holding libmovgc.{a,so}, and where it came from.
fn find_libdir() -> (PathBuf, &'static str) {
    if let Some(dir) = env::var_os("MOVGC_BUILDDIR") {
        return (Path::new(&dir).join("runtime").join(".libs"), "MOVGC_BUILDDIR");
    }
    let crate_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let local = crate_dir.join("../../_build/runtime/.libs");
    if local.join("libmovgc.a").exists() || local.join("libmovgc.so").exists() {
        return (local, "../../_build");
    }
    match pkg_config(&["--variable=libdir", "movgc"]) {
        Some(dir) if !dir.is_empty() => (PathBuf::from(dir), "pkg-config"),
        _ => (local, "../../_build (and pkg-config knows no movgc)"),
    }
}

fn link_libffi() {
    match pkg_config(&["--libs-only-L", "libffi"]) {
        Some(flags) => {
            for dir in flags.split_whitespace().filter_map(|f| f.strip_prefix("-L")) {
                println!("cargo:rustc-link-search=native={}", dir);
            }
        }
        None => println!("cargo:warning=pkg-config knows no libffi; trying -lffi"),
    }
    println!("cargo:rustc-link-lib=dylib=ffi");
}

fn main() {
    for var in &["MOVGC_BUILDDIR", "MOVGC_LINK", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    let (libdir, from) = find_libdir();
    let archive = libdir.join("libmovgc.a");
    let shared = libdir.join("libmovgc.so");
    let want_dylib = env::var("MOVGC_LINK").map(|v| v == "dylib").unwrap_or(false);
    let dylib = want_dylib || !archive.exists();
    let lib = if dylib { &shared } else { &archive };
    if !lib.exists() {
        println!(
            "cargo:warning=no {} (found through {}): build movgc first, set \
             MOVGC_BUILDDIR to a build tree, or install it where pkg-config \
             finds movgc.pc",
            lib.display(),
            from
        );
    }
    println!("cargo:rerun-if-changed={}", lib.display());
    println!("cargo:rustc-link-search=native={}", libdir.display());
    if dylib {
        println!("cargo:rustc-link-lib=dylib=movgc");
        // For this crate's tests and examples; a dependent crate's binary
        // needs the library on the linker's path (or MOVGC_LINK unset).
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", libdir.display());
    } else {
        println!("cargo:rustc-link-lib=static=movgc");
    }
    link_libffi();
}
