//! `ampstack users …` and `ampstack credentials`: administer the user pool of a sandbox's data
//! (its store, SQLite under the data dir or `--database-url`), whether or not it is running.
//! USER may be the username, the email (or phone) the user signs in with, the sub, or an email or
//! phone number only one user has (a username pool's email); changes show in the user's next tokens.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::ProjectArgs;

#[derive(Args, Clone)]
pub struct Target {
    #[command(flatten)]
    project: ProjectArgs,
    /// The sandbox's PostgreSQL database, when it runs with one.
    #[arg(long, env = "AMPSTACK_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create a user. With --password it is confirmed and can sign in at once; without, a
    /// temporary password is printed and must be changed at first sign-in.
    Create {
        #[command(flatten)]
        target: Target,
        /// Username, or the email/phone when users sign in with those.
        user: String,
        #[arg(long)]
        password: Option<String>,
        /// A user attribute, e.g. --attribute custom:tenant=acme (repeatable).
        #[arg(long = "attribute", value_name = "NAME=VALUE")]
        attributes: Vec<String>,
    },
    /// Confirm a user who signed up but never entered the code.
    Confirm {
        #[command(flatten)]
        target: Target,
        user: String,
    },
    /// Set a user's password (permanent unless --temporary).
    SetPassword {
        #[command(flatten)]
        target: Target,
        user: String,
        password: String,
        #[arg(long)]
        temporary: bool,
    },
    /// Add a user to a group of defineAuth({ groups }).
    AddToGroup {
        #[command(flatten)]
        target: Target,
        user: String,
        group: String,
    },
    /// Remove a user from a group.
    RemoveFromGroup {
        #[command(flatten)]
        target: Target,
        user: String,
        group: String,
    },
    /// List users: username, email, status, groups, sub, phone number.
    List {
        #[command(flatten)]
        target: Target,
    },
    /// Delete a user (and end all their sessions).
    Delete {
        #[command(flatten)]
        target: Target,
        user: String,
    },
    /// Rotate the user pool's token signing key. Tokens already issued stay valid until they
    /// expire; keys whose tokens have all expired are removed from the JWKS.
    RotateKeys {
        #[command(flatten)]
        target: Target,
    },
}

/// Builds the context the auth service would see for this project's sandbox.
async fn context(target: &Target) -> anyhow::Result<context::ServiceContext> {
    let project = &target.project;
    let dir = std::fs::canonicalize(&project.dir).with_context(|| format!("project folder {}", project.dir.display()))?;
    let data_dir = project.data_dir();
    let ids_path = data_dir.join("sandbox.json");
    if !ids_path.exists() {
        anyhow::bail!("no sandbox state in {}: run `ampstack sandbox --dir {}` once first", data_dir.display(), project.dir.display());
    }
    let ids = context::SandboxIds::load_or_create(&ids_path, "us-east-1")?;
    let loaded = tokio::task::spawn_blocking(move || definition::load_project(&dir)).await?;
    let backend = match loaded {
        Ok(l) => l.backend,
        Err(e) => anyhow::bail!("the backend definition has errors:\n{}", e.render(&std::fs::canonicalize(&project.dir)?)),
    };
    if backend.auth.is_none() {
        anyhow::bail!("this backend has no auth resource (defineAuth)");
    }
    let store_url = target.database_url.clone().unwrap_or_else(|| data_dir.join("ampstack.db").to_string_lossy().into_owned());
    let store = store::open(&store_url).await.with_context(|| format!("opening the store at {store_url}"))?;
    let outputs: Option<serde_json::Value> = std::fs::read_to_string(project.dir.join("amplify_outputs.json")).ok().and_then(|t| serde_json::from_str(&t).ok());
    let base_url = outputs
        .as_ref()
        .and_then(|o| o["custom"]["ampstack"]["endpoint"].as_str().map(String::from))
        .unwrap_or_else(|| "https://127.0.0.1:20002".into());
    let (tx, rx) = tokio::sync::watch::channel(Arc::new(backend));
    std::mem::forget(tx);
    Ok(context::ServiceContext::new(store, rx, ids, base_url, data_dir))
}

fn describe(u: &auth::users::User) -> String {
    let phone = u.attr("phone_number").filter(|p| !p.is_empty()).unwrap_or("-");
    format!("{}\t{}\t{}\t{}\t{}\t{phone}", u.username, u.email().unwrap_or("-"), u.status.as_str(), if u.groups.is_empty() { "-".into() } else { u.groups.join(",") }, u.sub)
}

/// The sub of the user USER names: a sign-in name (username, or email/phone in pools that sign
/// in with them), the sub, or else an email/phone attribute only one user has.
async fn resolve(pool: &auth::pool::Pool, user: &str) -> anyhow::Result<String> {
    let fail = |e: auth::AuthError| anyhow::anyhow!("{}: {}", e.code(), e.message());
    if let Some(u) = auth::users::find(pool, user).await.map_err(fail)? {
        return Ok(u.sub);
    }
    let attr = if user.contains('@') { Some("email") } else if user.starts_with('+') { Some("phone_number") } else { None };
    if let Some(attr) = attr {
        let found = auth::users::find_by_attribute(pool, attr, user.trim(), 2).await.map_err(fail)?;
        match found.as_slice() {
            [one] => return Ok(one.sub.clone()),
            [] => {}
            _ => anyhow::bail!("several users have {attr} {user}: give the username or the sub"),
        }
    }
    anyhow::bail!("UserNotFoundException: User does not exist: {user}")
}

async fn run_users(cmd: UsersCommand) -> anyhow::Result<ExitCode> {
    use auth::admin;
    let fail = |e: auth::AuthError| anyhow::anyhow!("{}: {}", e.code(), e.message());
    let target = match &cmd {
        UsersCommand::Create { target, .. }
        | UsersCommand::Confirm { target, .. }
        | UsersCommand::SetPassword { target, .. }
        | UsersCommand::AddToGroup { target, .. }
        | UsersCommand::RemoveFromGroup { target, .. }
        | UsersCommand::List { target }
        | UsersCommand::Delete { target, .. }
        | UsersCommand::RotateKeys { target } => target.clone(),
    };
    let ctx = context(&target).await?;
    let pool = auth::pool::Pool::new(&ctx);
    match cmd {
        UsersCommand::Create { user, password, attributes, .. } => {
            let mut attrs = BTreeMap::new();
            for a in attributes {
                let (k, v) = a.split_once('=').ok_or_else(|| anyhow::anyhow!("--attribute expects NAME=VALUE, got {a:?}"))?;
                attrs.insert(k.to_string(), v.to_string());
            }
            let permanent = password.is_some();
            let (u, pw) = admin::create_user(&pool, &user, attrs, password.as_deref(), permanent).await.map_err(fail)?;
            println!("{}", describe(&u));
            if !permanent {
                println!("temporary password: {pw}");
            }
        }
        UsersCommand::Confirm { user, .. } => println!("{}", describe(&admin::confirm(&pool, &resolve(&pool, &user).await?).await.map_err(fail)?)),
        UsersCommand::SetPassword { user, password, temporary, .. } => {
            let sub = resolve(&pool, &user).await?;
            println!("{}", describe(&admin::set_password(&pool, &sub, &password, !temporary).await.map_err(fail)?))
        }
        UsersCommand::AddToGroup { user, group, .. } => {
            let sub = resolve(&pool, &user).await?;
            println!("{}", describe(&admin::add_to_group(&pool, &sub, &group).await.map_err(fail)?))
        }
        UsersCommand::RemoveFromGroup { user, group, .. } => {
            let sub = resolve(&pool, &user).await?;
            println!("{}", describe(&admin::remove_from_group(&pool, &sub, &group).await.map_err(fail)?))
        }
        UsersCommand::List { .. } => {
            println!("USERNAME\tEMAIL\tSTATUS\tGROUPS\tSUB\tPHONE");
            for u in auth::users::list(&pool).await.map_err(fail)? {
                println!("{}", describe(&u));
            }
        }
        UsersCommand::Delete { user, .. } => {
            let sub = resolve(&pool, &user).await?;
            println!("deleted {}", describe(&admin::delete_user(&pool, &sub).await.map_err(fail)?))
        }
        UsersCommand::RotateKeys { .. } => {
            let r = auth::keys::rotate(&ctx).await.map_err(fail)?;
            println!("signing key\t{}", r.kid);
            for k in &r.kept {
                println!("kept\t{k}");
            }
            for k in &r.removed {
                println!("removed\t{k}");
            }
        }
    }
    ctx.store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `ampstack users …`
pub fn users(cmd: UsersCommand) -> anyhow::Result<ExitCode> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(run_users(cmd))
}

/// `ampstack credentials`: the sandbox's admin credentials, as `export`-ready lines.
pub fn credentials(project: &ProjectArgs) -> anyhow::Result<ExitCode> {
    let c = auth::admin::AdminCredentials::load_or_create(&project.data_dir())?;
    println!("AWS_ACCESS_KEY_ID={}", c.access_key_id);
    println!("AWS_SECRET_ACCESS_KEY={}", c.secret_access_key);
    Ok(ExitCode::SUCCESS)
}
