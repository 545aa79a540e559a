fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    match definition::load_project(std::path::Path::new(&dir)) {
        Ok(l) => println!("{}", serde_json::to_string_pretty(&l.backend).unwrap()),
        Err(e) => { eprintln!("{}", e.render(std::path::Path::new(&dir))); std::process::exit(1) }
    }
}
