//! Debug helper: `cargo run -q -p data --example appsync -- <project dir>` prints the AppSync
//! schema we compute for a project.

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let dir = std::path::Path::new(&dir);
    match definition::load_project(dir) {
        Ok(l) => match l.backend.data {
            Some(d) => print!("{}", data::appsync_schema::appsync_schema(&d.schema, &d.authorization_modes)),
            None => eprintln!("no data resource"),
        },
        Err(e) => {
            eprintln!("{}", e.render(dir));
            std::process::exit(1)
        }
    }
}
