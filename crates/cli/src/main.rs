//! The `ampstack` command line: a thin clap layer over the `server` and `definition` crates.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod secret;
mod users;

const DEFAULT_PORT: u16 = 20002;

/// mimalloc instead of glibc malloc: request handling allocates many short-lived buffers across
/// worker threads, and glibc's malloc/free were ~13% of a small-object GET's CPU profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ampstack",
    version,
    about = "Run your AWS Amplify Gen 2 backend locally: auth, data, storage and functions from your amplify/ folder, in under a second.",
    long_about = "Ampstack reads the same amplify/ folder `npx ampx sandbox` deploys (backend.ts, auth, data, storage and function resources) \
and serves Cognito-, AppSync- and S3-compatible endpoints on your machine. Point the aws-amplify client at it with the \
amplify_outputs.json it writes."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a local sandbox: serve the backend, write amplify_outputs.json, and reload when files under amplify/ change.
    Sandbox(SandboxArgs),
    /// Generate client files from the backend definition without serving it.
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Explain how to trust the sandbox's local development certificate authority.
    Trust(TrustArgs),
    /// Administer the sandbox's users: create, confirm, set-password, add-to-group, remove-from-group, list, delete.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Print the sandbox's admin credentials (AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines) for the AWS CLI and SDKs.
    Credentials(CredentialsArgs),
    /// Manage the sandbox's secrets (secret('NAME') in defineFunction): set, get, list, remove.
    #[command(subcommand)]
    Secret(secret::SecretCommand),
}

#[derive(Args)]
struct CredentialsArgs {
    #[command(flatten)]
    project: ProjectArgs,
}

#[derive(Args, Clone)]
struct ProjectArgs {
    /// The project folder that contains amplify/.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Where the sandbox keeps its state (database, certificates, ids). Defaults to <dir>/.ampstack.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

impl ProjectArgs {
    fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| self.dir.join(".ampstack"))
    }
}

#[derive(Args)]
struct SandboxArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Port on 127.0.0.1 that serves HTTPS (and plain HTTP) for every service. 0 picks a free port.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Share state through PostgreSQL (postgres://…) instead of the embedded SQLite file.
    #[arg(long, env = "AMPSTACK_DATABASE_URL")]
    database_url: Option<String>,
    /// Keep storage's object bytes in an S3-compatible object store instead of files under the data
    /// directory, so several nodes over one PostgreSQL serve the same objects:
    /// s3://BUCKET[/PREFIX]?endpoint=http://127.0.0.1:9000&region=us-east-1 (also virtual_hosted=true,
    /// allow_http=true). Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (required)
    /// and AWS_SESSION_TOKEN. The bucket must exist. Orphan blobs (a crash between writing bytes and
    /// committing metadata) are removed once older than AMPSTACK_ORPHAN_MIN_AGE_SECONDS (3600).
    #[arg(long, env = "AMPSTACK_BLOB_STORE", value_name = "URL")]
    blob_store: Option<String>,
    /// AWS region reported in ids and outputs.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Folder to write amplify_outputs.json to (defaults to --dir).
    #[arg(long)]
    outputs_out_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// Write amplify_outputs.json for the project without starting the sandbox.
    Outputs {
        #[command(flatten)]
        project: ProjectArgs,
        /// Folder to write amplify_outputs.json to (defaults to --dir).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// The port the sandbox will serve on (URLs in the outputs use it).
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
        #[arg(long, default_value = "us-east-1")]
        region: String,
    },
    /// Print the AppSync GraphQL schema of the data resource (what Amplify's transformer would deploy).
    GraphqlSchema {
        #[command(flatten)]
        project: ProjectArgs,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the backend's intermediate representation (what every service reads) as JSON.
    Ir {
        #[command(flatten)]
        project: ProjectArgs,
    },
}

#[derive(Args)]
struct TrustArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Only print the path of the CA certificate (PEM), e.g. for NODE_EXTRA_CA_CERTS.
    #[arg(long)]
    print_path: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("AMPSTACK_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sandbox(args) => sandbox(args),
        Command::Generate(GenerateCommand::Outputs { project, out_dir, port, region }) => generate_outputs(&project, out_dir, port, &region),
        Command::Generate(GenerateCommand::Ir { project }) => generate_ir(&project),
        Command::Generate(GenerateCommand::GraphqlSchema { project, out }) => generate_graphql_schema(&project, out),
        Command::Trust(args) => trust(&args),
        Command::Users(cmd) => users::users(cmd),
        Command::Credentials(args) => users::credentials(&args.project),
        Command::Secret(cmd) => secret::secret(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ampstack: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn sandbox(args: SandboxArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let config = server::sandbox::SandboxConfig {
        dir: args.project.dir.clone(),
        port: args.port,
        data_dir: args.project.data_dir(),
        database_url: args.database_url,
        blob_store: args.blob_store,
        region: args.region,
        outputs_dir: args.outputs_out_dir.unwrap_or_else(|| args.project.dir.clone()),
    };
    rt.block_on(server::sandbox::run(config, shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}

fn load(project: &ProjectArgs) -> anyhow::Result<Result<definition::Loaded, ExitCode>> {
    let dir = std::fs::canonicalize(&project.dir).map_err(|e| anyhow::anyhow!("project folder {}: {e}", project.dir.display()))?;
    Ok(match definition::load_project(&dir) {
        Ok(l) => {
            for w in &l.backend.warnings {
                eprintln!("{}", w.render(&dir));
            }
            Ok(l)
        }
        Err(e) => {
            eprintln!("{}", e.render(&dir));
            Err(ExitCode::FAILURE)
        }
    })
}

fn generate_outputs(project: &ProjectArgs, out_dir: Option<PathBuf>, port: u16, region: &str) -> anyhow::Result<ExitCode> {
    let loaded = match load(project)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let data_dir = project.data_dir();
    let ids = context::SandboxIds::load_or_create(&data_dir.join("sandbox.json"), region)?;
    let ep = server::outputs::Endpoints { base: format!("https://127.0.0.1:{port}") };
    let out_dir = out_dir.unwrap_or_else(|| project.dir.clone());
    let path = server::sandbox::write_outputs(&loaded.backend, &ids, &ep, &out_dir)?;
    eprintln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn generate_ir(project: &ProjectArgs) -> anyhow::Result<ExitCode> {
    match load(project)? {
        Ok(l) => {
            println!("{}", serde_json::to_string_pretty(&l.backend)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(code) => Ok(code),
    }
}

fn generate_graphql_schema(project: &ProjectArgs, out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let loaded = match load(project)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let Some(data) = &loaded.backend.data else {
        eprintln!("ampstack: this backend has no data resource (defineData)");
        return Ok(ExitCode::FAILURE);
    };
    let sdl = data::appsync_schema::appsync_schema(&data.schema, &data.authorization_modes);
    match out {
        Some(path) => std::fs::write(&path, sdl).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?,
        None => print!("{sdl}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn trust(args: &TrustArgs) -> anyhow::Result<ExitCode> {
    let ca_dir = args.project.data_dir().join("ca");
    let ca = server::tls::DevCa::load_or_create(&ca_dir)?;
    let path = std::fs::canonicalize(ca.ca_cert_path()).unwrap_or_else(|_| ca.ca_cert_path().to_path_buf());
    if args.print_path {
        println!("{}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    print_trust_help(&path);
    Ok(ExitCode::SUCCESS)
}

fn print_trust_help(path: &Path) {
    println!(
        "The sandbox serves HTTPS with a development certificate authority created for this project:\n\n  {p}\n\n\
Trust it once and browsers, Node and the AWS CLI accept https://127.0.0.1 and https://localhost:\n\n\
  Node.js (tests, SSR):   export NODE_EXTRA_CA_CERTS={p}\n\
  AWS CLI / boto3:        export AWS_CA_BUNDLE={p}\n\
  Debian/Ubuntu:          sudo cp {p} /usr/local/share/ca-certificates/ampstack.crt && sudo update-ca-certificates\n\
  macOS:                  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {p}\n\
  Windows (PowerShell):   Import-Certificate -FilePath {p} -CertStoreLocation Cert:\\LocalMachine\\Root\n\
  Chrome/Chromium (Linux): Settings > Privacy and security > Security > Manage certificates > Authorities > Import\n\
  Chrome/Chromium (Linux, shell with libnss3-tools): certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n ampstack -i {p}\n\
  Firefox:                Settings > Certificates > View Certificates > Authorities > Import\n\n\
The key never leaves this machine ({k}); delete the folder to start over.",
        p = path.display(),
        k = path.with_file_name("ca-key.pem").display()
    );
}
