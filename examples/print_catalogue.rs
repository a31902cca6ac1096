//! Prints the exposition text of the standard catalogue.
fn main() {
    match alys_metrics::init() {
        Ok(r) => print!("{}", r.encode_to_string()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
