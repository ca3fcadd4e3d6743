//! Fast decoding of internally tagged enums.
//!
//! serde's derive for `#[serde(tag = "...")]` buffers every field of every
//! line into an intermediate tree before it picks the variant. Both the
//! upstream sink and this project's write the tag first, so [`TaggedVisitor`]
//! reads the first key, and when it is the tag, decodes the rest of the
//! object straight into the variant's fields. When the tag comes later, it
//! falls back to buffering, so any key order is still accepted.
//!
//! [`tagged_enum!`] declares such an enum once: it derives `Serialize` with
//! the tag and writes the matching `Deserialize`, with an `Unknown` variant
//! for tags this version does not know.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// An enum decoded by [`TaggedVisitor`].
pub(crate) trait TaggedVariants: Sized {
    /// The tag key (`type`, `event`).
    const TAG: &'static str;
    /// What the enum is, for error messages.
    const EXPECTING: &'static str;
    /// Decodes the variant named `tag` from the rest of the object.
    fn from_variant<'de, D: Deserializer<'de>>(tag: &str, rest: D) -> Result<Self, D::Error>;
}

pub(crate) struct TaggedVisitor<T>(pub(crate) PhantomData<T>);

/// A string that borrows from the input when it can.
struct CowStr<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

impl<'de, T: TaggedVariants> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let Some(first) = map.next_key::<CowStr<'de>>()? else {
            return Err(de::Error::missing_field(T::TAG));
        };
        if first.0 == T::TAG {
            let tag = map.next_value::<CowStr<'de>>()?;
            return T::from_variant(&tag.0, de::value::MapAccessDeserializer::new(map));
        }
        // The tag is not first: buffer the object, then decode from it.
        let mut object = serde_json::Map::new();
        object.insert(first.0.into_owned(), map.next_value::<Value>()?);
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            object.insert(key, value);
        }
        let tag = match object.remove(T::TAG) {
            Some(Value::String(tag)) => tag,
            Some(_) => {
                return Err(de::Error::custom(format_args!(
                    "`{}` must be a string",
                    T::TAG
                )));
            }
            None => return Err(de::Error::missing_field(T::TAG)),
        };
        T::from_variant(&tag, Value::Object(object)).map_err(de::Error::custom)
    }
}

/// Declares an internally tagged enum with struct variants, its `Serialize`
/// derive, a fast `Deserialize`, and an `Unknown` variant for other tags.
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (tag = $tag:literal, expecting = $expecting:literal) {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal {
                    $( $(#[$fmeta:meta])* $field:ident : $fty:ty ),* $(,)?
                }
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(serde::Serialize)]
        #[serde(tag = $tag)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $wire)]
                $variant { $( $(#[$fmeta])* $field: $fty ),* },
            )*
            /// A tag this version does not know; ignored by design.
            #[serde(rename = "unknown")]
            Unknown,
        }

        impl $crate::tagged::TaggedVariants for $name {
            const TAG: &'static str = $tag;
            const EXPECTING: &'static str = $expecting;

            fn from_variant<'de, D: serde::Deserializer<'de>>(
                tag: &str,
                rest: D,
            ) -> Result<Self, D::Error> {
                match tag {
                    $(
                        $wire => {
                            #[derive(serde::Deserialize)]
                            struct Fields { $( $(#[$fmeta])* $field: $fty ),* }
                            let fields = <Fields as serde::Deserialize>::deserialize(rest)?;
                            Ok(Self::$variant { $( $field: fields.$field ),* })
                        }
                    )*
                    _ => {
                        <serde::de::IgnoredAny as serde::Deserialize>::deserialize(rest)?;
                        Ok(Self::Unknown)
                    }
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_map($crate::tagged::TaggedVisitor::<Self>(std::marker::PhantomData))
            }
        }
    };
}
pub(crate) use tagged_enum;
