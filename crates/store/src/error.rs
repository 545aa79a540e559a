//! The one error type of the store. Every backend failure is flattened into
//! `Backend(String)` so callers never depend on sqlx types; the other
//! variants are outcomes a caller is expected to branch on.

/// Errors returned by every [`crate::Store`] operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write's [`crate::Condition`] did not hold; nothing was written.
    #[error("the conditional request failed")]
    ConditionFailed,
    /// A cursor does not fit the query it was passed to (wrong shape or undecodable).
    #[error("bad cursor: {0}")]
    BadCursor(String),
    /// The request itself is malformed (bad path, wrong operand type, not an object, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The database failed or is unreachable.
    #[error("store backend error: {0}")]
    Backend(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Backend(format!("stored JSON is corrupt: {e}"))
    }
}

/// Shorthand used across the crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::InvalidInput(msg.into())
}
