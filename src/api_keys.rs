//! `chairside api-key create|revoke|list`: managing API keys from the
//! server's command line (a key's secret is shown once, at creation).

use chairside_store::models::{NewApiKey, Role};
use chairside_store::{repo, Store};
use clap::{Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key and print it (once) on standard output.
    Create {
        /// The key's role.
        #[arg(long, value_enum)]
        role: KeyRole,
        /// Limit the key to one clinic.
        #[arg(long)]
        clinic: Option<i64>,
        /// A label for people.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a key by id.
    Revoke {
        /// The key's id.
        id: i64,
    },
    /// List keys (never their secrets).
    List {
        /// Only this clinic's keys (default: the global ones).
        #[arg(long)]
        clinic: Option<i64>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyRole {
    Admin,
    Clinician,
    #[value(name = "front_desk", alias = "front-desk")]
    FrontDesk,
    Integration,
}

impl From<KeyRole> for Role {
    fn from(r: KeyRole) -> Self {
        match r {
            KeyRole::Admin => Role::Admin,
            KeyRole::Clinician => Role::Clinician,
            KeyRole::FrontDesk => Role::FrontDesk,
            KeyRole::Integration => Role::Integration,
        }
    }
}

/// Runs an `api-key` subcommand.
pub fn run(store: &Store, command: ApiKeyCommand) -> Result<(), String> {
    match command {
        ApiKeyCommand::Create {
            role,
            clinic,
            label,
        } => create(store, role, clinic, label),
        ApiKeyCommand::Revoke { id } => {
            let key = store
                .write(|conn| repo::api_keys::revoke(conn, id))
                .map_err(|e| e.to_string())?;
            eprintln!("revoked key {}", key.id);
            Ok(())
        }
        ApiKeyCommand::List { clinic } => list(store, clinic),
    }
}

/// Prints the new key's secret alone on standard output, so a script can
/// capture it; what was created goes to standard error.
fn create(store: &Store, role: KeyRole, clinic: Option<i64>, label: String) -> Result<(), String> {
    let (key, token) = store
        .write(|conn| {
            if let Some(clinic) = clinic {
                repo::clinics::get(conn, clinic)?;
            }
            repo::api_keys::create(
                conn,
                &NewApiKey {
                    clinic_id: clinic,
                    role: role.into(),
                    label,
                },
            )
        })
        .map_err(|e: chairside_store::StoreError| e.to_string())?;
    eprintln!(
        "created key {} ({}{})",
        key.id,
        key.role.as_str(),
        clinic.map(|c| format!(", clinic {c}")).unwrap_or_default()
    );
    println!("{token}");
    Ok(())
}

/// One key a line, tab-separated: id, role, clinic, state, label.
fn list(store: &Store, clinic: Option<i64>) -> Result<(), String> {
    let keys = store
        .read(|conn| repo::api_keys::list(conn, clinic))
        .map_err(|e| e.to_string())?;
    for key in keys {
        let clinic = key.clinic_id.map_or_else(|| "-".into(), |c| c.to_string());
        let state = if key.revoked_at.is_some() {
            "revoked"
        } else {
            "active"
        };
        println!(
            "{}\t{}\t{clinic}\t{state}\t{}",
            key.id,
            key.role.as_str(),
            key.label
        );
    }
    Ok(())
}
