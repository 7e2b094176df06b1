//! `zk-bindgen INPUT.wasm OUT_DIR OUT_NAME`: the `wasm-bindgen --target web --out-name OUT_NAME
//! --out-dir OUT_DIR INPUT.wasm` step of the site build, with the CLI's defaults.
//!
//! Why not the CLI: `cargo install wasm-bindgen-cli` compiles the test runner's HTTP server and
//! client too (rouille, ureq with brotli), which made it the slowest tool of a first `./zk run`.
//! The library is the part the CLI calls for this step; built as a workspace member it shares
//! the workspace's dependencies, lock file and target directory.

use std::path::PathBuf;
use std::process::ExitCode;

use wasm_bindgen_cli_support::Bindgen;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir, out_name] = args.as_slice() else {
        eprintln!("usage: zk-bindgen INPUT.wasm OUT_DIR OUT_NAME");
        return ExitCode::from(2);
    };
    match bindgen(PathBuf::from(input), PathBuf::from(out_dir), out_name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("zk-bindgen: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Every option as the CLI (0.2.130, `src/wasm_bindgen.rs`) sets it when given only
/// `--target web --out-name`: the library's own defaults differ in two places (TypeScript
/// output and the default module path), so each is set here explicitly. (The CLI also calls
/// the deprecated `reference_types(false)`; the library detects reference types from the wasm.)
fn bindgen(input: PathBuf, out_dir: PathBuf, out_name: &str) -> anyhow::Result<()> {
    let mut b = Bindgen::new();
    b.web(true)?;
    b.input_path(input)
        .out_name(out_name)
        .debug(false)
        .demangle(true)
        .keep_lld_exports(false)
        .keep_debug(false)
        .split_debug_info(false)
        .remove_name_section(false)
        .remove_producers_section(false)
        .typescript(true)
        .omit_imports(false)
        .omit_default_module_path(false)
        .split_linked_modules(false)
        .js_string_builtins(false)
        .ts_typed_array_buffers(false)
        .reset_state_function(false)
        .force_enable_abort_handler(false);
    b.generate(out_dir)
}
