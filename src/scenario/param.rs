//! The parts of the scenario schema: a parameter's [`Kind`], its [`Param`]
//! row, a [`Section`] of rows, and the `section!` macro that declares a
//! section once and yields both its struct and its rows (used in `schema.rs`).

/// The type and valid range of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A real number in `[min, max]`.
    Real {
        /// Smallest valid value.
        min: f64,
        /// Largest valid value.
        max: f64,
    },
    /// An integer in `[min, max]`.
    Integer {
        /// Smallest valid value.
        min: i64,
        /// Largest valid value.
        max: i64,
    },
    /// A count per village: a fixed integer, or a distribution
    /// `{ uniform = [a, b] }`, `{ normal = [mean, sd] }`, `{ poisson = mean }`;
    /// draws are clamped to `[min, max]`.
    Count {
        /// Smallest valid count.
        min: i64,
        /// Largest valid count.
        max: i64,
    },
    /// `true` or `false`.
    Switch,
    /// Free text.
    Text,
    /// A name made of letters, digits, `-` and `_` (used for directory names).
    Name,
    /// One of a fixed list of words.
    Choice(&'static [&'static str]),
}

impl Kind {
    /// The range column of the parameter table.
    pub fn range_text(&self) -> String {
        match self {
            Kind::Real { min, max } => format!("[{}, {}]", fmt_num(*min), fmt_num(*max)),
            Kind::Integer { min, max } => format!("{min} – {max}"),
            Kind::Count { min, max } => format!("{min} – {max}, or a distribution"),
            Kind::Switch => "true / false".to_string(),
            Kind::Text => "text".to_string(),
            Kind::Name => "letters, digits, - and _".to_string(),
            Kind::Choice(options) => options
                .iter()
                .map(|o| format!("\"{o}\""))
                .collect::<Vec<_>>()
                .join(" / "),
        }
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A real number in `[min, max]`.
pub(super) const fn real(min: f64, max: f64) -> Kind {
    Kind::Real { min, max }
}

/// An integer in `[min, max]`.
pub(super) const fn int(min: i64, max: i64) -> Kind {
    Kind::Integer { min, max }
}

/// A share or probability: a real number in `[0, 1]`.
pub(super) const UNIT: Kind = real(0.0, 1.0);

/// One parameter of the scenario file.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Dotted key, `section.name`.
    pub key: &'static str,
    /// Type and valid range.
    pub kind: Kind,
    /// Default, written as a TOML literal.
    pub default: &'static str,
    /// What the parameter means, with its unit.
    pub meaning: &'static str,
    /// Source-study passage (`[Dynamics] §5`; keys in `docs/sources.md`) or
    /// literature the parameter rests on.
    pub source: &'static str,
}

impl Param {
    /// The uncertainty range of a parameter whose value is an assumption or
    /// a calibration: the `low–high` written after "assumption (" or
    /// "calibrated (" (a 90 % credible interval) in its source, if any
    /// (`docs/model.md` §8; used by `"key" = "assumption"` in study ranges).
    pub fn assumption_range(&self) -> Option<(f64, f64)> {
        let (_, rest) = self
            .source
            .split_once("assumption (")
            .or_else(|| self.source.split_once("calibrated ("))?;
        let (low, rest) = rest.split_once('–')?;
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
            .unwrap_or(rest.len());
        let (low, high) = (
            low.trim().parse::<f64>().ok()?,
            rest[..end].parse::<f64>().ok()?,
        );
        (low <= high).then_some((low, high))
    }
    /// The section part of the key.
    pub fn section(&self) -> &'static str {
        self.key.split_once('.').map(|(s, _)| s).unwrap_or("")
    }
    /// The name part of the key.
    pub fn name(&self) -> &'static str {
        self.key.split_once('.').map(|(_, n)| n).unwrap_or(self.key)
    }
}

/// One section of the scenario file: its key, title and parameters in the
/// order they are documented.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// The section's key, `world` for `[world]`.
    pub name: &'static str,
    /// Title in the parameter table.
    pub title: &'static str,
    /// The section's parameters, in documented order.
    pub params: &'static [Param],
}

/// Placeholder that [`flatten`] overwrites.
const NO_PARAM: Param = Param {
    key: "",
    kind: Kind::Text,
    default: "",
    meaning: "",
    source: "",
};

/// How many parameters `sections` hold together.
pub(super) const fn count_params(sections: &[Section]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < sections.len() {
        n += sections[i].params.len();
        i += 1;
    }
    n
}

/// The parameters of `sections`, section after section (`N` is their count).
pub(super) const fn flatten<const N: usize>(sections: &[Section]) -> [Param; N] {
    let mut out = [NO_PARAM; N];
    let mut n = 0;
    let mut i = 0;
    while i < sections.len() {
        let mut j = 0;
        while j < sections[i].params.len() {
            out[n] = sections[i].params[j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "N must be count_params(sections)");
    out
}

/// The (key, title) of each of `sections` (`N` is their count).
pub(super) const fn titles<const N: usize>(
    sections: &[Section],
) -> [(&'static str, &'static str); N] {
    let mut out = [("", ""); N];
    let mut i = 0;
    while i < N {
        out[i] = (sections[i].name, sections[i].title);
        i += 1;
    }
    out
}

/// Declares one section of the scenario file: its struct (serde, every field
/// required, unknown keys refused) and its rows in the schema
/// (`Struct::SCHEMA`, a [`Section`]).
///
/// ```text
/// section! {
///     /// `[funds]`: service funds.
///     Funds [funds] "Service funds" {
///         // field: type = default (TOML literal), kind, meaning, source;
///         initial: f64 = 5.0, real(0.0, 100_000.0),
///             "Fund balance at the start, thousand yuan",
///             "—";
///     }
/// }
/// ```
///
/// The rows follow the fields unless `rows [a, b, ...]` after the closing
/// brace lists them in another order (every field once).
macro_rules! section {
    (
        $(#[$attr:meta])*
        $name:ident [$key:ident] $title:literal {
            $(
                $field:ident : $ty:ty = $default:literal, $kind:expr,
                $meaning:literal, $source:literal;
            )*
        }
    ) => {
        section! {
            $(#[$attr])*
            $name [$key] $title {
                $( $field: $ty = $default, $kind, $meaning, $source; )*
            } rows [$($field),*]
        }
    };
    (
        $(#[$attr:meta])*
        $name:ident [$key:ident] $title:literal {
            $(
                $field:ident : $ty:ty = $default:literal, $kind:expr,
                $meaning:literal, $source:literal;
            )*
        } rows [$($row:ident),* $(,)?]
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                #[doc = $meaning]
                pub $field: $ty,
            )*
        }

        impl $name {
            /// The section's key, title and parameter rows.
            pub const SCHEMA: Section = {
                struct Rows {
                    $($field: Param,)*
                }
                const ROWS: Rows = Rows {
                    $(
                        $field: Param {
                            key: concat!(stringify!($key), ".", stringify!($field)),
                            kind: $kind,
                            default: stringify!($default),
                            meaning: $meaning,
                            source: $source,
                        },
                    )*
                };
                Section {
                    name: stringify!($key),
                    title: $title,
                    params: &[$(ROWS.$row),*],
                }
            };
        }
    };
}
pub(super) use section;
