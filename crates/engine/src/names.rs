//! Domain enumerations that travel as words: in JSON, in database columns,
//! in event names. Each is declared once with [`named_enum!`], which gives
//! it its word (`as_str`), parsing back (`FromStr`), `Display`, serde under
//! the same word and the list of every value (`ALL`), so the API, the store
//! and the engine cannot spell a status two ways.

/// A word that names no value of a domain enumeration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{word:?} is not a {what}")]
pub struct UnknownName {
    /// What was being named (`session status`, …).
    pub what: &'static str,
    /// The word given.
    pub word: String,
}

/// Declares a domain enumeration whose values are words.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $what:tt {
            $( $(#[$vmeta:meta])* $variant:ident => $text:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word for this value (in JSON, in the database, in events).
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::names::UnknownName;

            fn from_str(word: &str) -> Result<Self, Self::Err> {
                match word {
                    $( $text => Ok($name::$variant), )+
                    other => Err($crate::names::UnknownName { what: $what, word: other.to_string() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use named_enum;
