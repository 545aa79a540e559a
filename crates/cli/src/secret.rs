//! `ampstack secret set|get|list|remove`: the sandbox's secrets, as `ampx sandbox secret …`
//! manages them, for `secret('NAME')` values in `defineFunction({ environment })`. They live in
//! `<data-dir>/secrets.json` (mode 0600); a running sandbox uses a new value from the next cold
//! start of each function.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Subcommand;
use functions::secrets::SecretStore;

use crate::ProjectArgs;

#[derive(Subcommand)]
pub enum SecretCommand {
    /// Set a secret; the value is read from standard input (prompted for on a terminal).
    Set {
        #[command(flatten)]
        project: ProjectArgs,
        name: String,
    },
    /// Print a secret's name, version, value and last update.
    Get {
        #[command(flatten)]
        project: ProjectArgs,
        name: String,
    },
    /// List the names of the sandbox's secrets.
    List {
        #[command(flatten)]
        project: ProjectArgs,
    },
    /// Remove a secret.
    Remove {
        #[command(flatten)]
        project: ProjectArgs,
        name: String,
    },
}

pub fn secret(cmd: SecretCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SecretCommand::Set { project, name } => {
            let store = SecretStore::new(&project.data_dir());
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprint!("? Enter secret value: ");
                std::io::stderr().flush()?;
            }
            let mut value = String::new();
            stdin.lock().read_line(&mut value)?;
            let value = value.trim_end_matches(['\n', '\r']);
            if value.is_empty() {
                eprintln!("ampstack: the secret value is empty (pipe it in or type it at the prompt)");
                return Ok(ExitCode::FAILURE);
            }
            let version = store.set(&name, value)?;
            eprintln!("Successfully created version {version} of secret {name}");
            Ok(ExitCode::SUCCESS)
        }
        SecretCommand::Get { project, name } => match SecretStore::new(&project.data_dir()).get(&name)? {
            Some(s) => {
                println!("name: {name}\nversion: {}\nvalue: {}\nlastUpdated: {}", s.version, s.value, s.last_updated);
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("ampstack: no secret named {name}; set it with `ampstack secret set {name}`");
                Ok(ExitCode::FAILURE)
            }
        },
        SecretCommand::List { project } => {
            let all = SecretStore::new(&project.data_dir()).all()?;
            if all.is_empty() {
                eprintln!("No secrets found");
            }
            for name in all.keys() {
                println!(" - {name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        SecretCommand::Remove { project, name } => {
            if SecretStore::new(&project.data_dir()).remove(&name)? {
                eprintln!("Successfully removed secret {name}");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("ampstack: no secret named {name}");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
