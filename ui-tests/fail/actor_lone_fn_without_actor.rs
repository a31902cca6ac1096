use alys_metrics::prelude::*;

struct ImportBlock;

#[instrument_actor]
fn handle_import(_msg: ImportBlock) {}

fn main() {
    handle_import(ImportBlock);
}
