//! Debug helper: `cargo run -q -p data --example introspect -- <project dir>` prints the model
//! introspection we compute for a project.

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let dir = std::path::Path::new(&dir);
    match definition::load_project(dir) {
        Ok(l) => {
            let schema = l.backend.data.map(|d| d.schema).unwrap_or_default();
            println!("{}", serde_json::to_string_pretty(&data::introspection::model_introspection(&schema)).unwrap());
        }
        Err(e) => {
            eprintln!("{}", e.render(dir));
            std::process::exit(1)
        }
    }
}
