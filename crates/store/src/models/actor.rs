pub use chairside_engine::Role;

/// Who made a change: every write that the audit trail or a history table
/// records names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Actor {
    /// The API key's id; `None` for [`Role::System`].
    pub key_id: Option<i64>,
    /// The role the key acted in.
    pub role: Role,
}

impl Actor {
    /// An actor holding an API key.
    pub fn key(key_id: i64, role: Role) -> Actor {
        Actor {
            key_id: Some(key_id),
            role,
        }
    }

    /// Chairside itself.
    pub fn system() -> Actor {
        Actor {
            key_id: None,
            role: Role::System,
        }
    }
}
