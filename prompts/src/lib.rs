//! mishu's prompts: each pipeline's templates (minijinja, `templates/<pipeline>/*.j2`)
//! and the JSON schemas its answers must match (`templates/<pipeline>/*.schema.json`),
//! kept as plain files so that a prompt change is a one-file diff. This crate only
//! renders text; it knows nothing of models.
//!
//! A [`ChatPrompt`] is split in two on purpose: `system` is the fixed part (the same
//! bytes for every call, so the LLM engine keeps it in its prefix cache) and `user` is
//! what changes per call.

pub mod command;
pub mod minutes;

use serde::Serialize;

/// A template that could not be rendered, or a schema that is not valid JSON.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompt template {name}: {source}")]
    Render {
        name: &'static str,
        #[source]
        source: minijinja::Error,
    },
    #[error("JSON schema {name}: {source}")]
    Schema {
        name: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

pub type Result<T> = std::result::Result<T, PromptError>;

/// One template file, embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// Its path under `templates/`, for messages.
    pub name: &'static str,
    pub source: &'static str,
}

/// One JSON schema file, embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct SchemaFile {
    pub name: &'static str,
    pub source: &'static str,
}

impl SchemaFile {
    /// The schema's text (what the LLM engine's constrained decoder reads).
    pub fn text(&self) -> &'static str {
        self.source
    }

    /// The schema as a JSON value.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_str(self.source).map_err(|source| PromptError::Schema {
            name: self.name,
            source,
        })
    }
}

/// A chat prompt: the fixed system part and the per-call user part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatPrompt {
    pub system: String,
    pub user: String,
}

impl Template {
    /// Renders the template with `context` (any serializable value). Undefined
    /// variables are errors, not empty strings, so a renamed field cannot go unnoticed.
    pub fn render(&self, context: impl Serialize) -> Result<String> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        let err = |source| PromptError::Render {
            name: self.name,
            source,
        };
        env.add_template(self.name, self.source).map_err(err)?;
        let text = env
            .get_template(self.name)
            .map_err(err)?
            .render(context)
            .map_err(err)?;
        Ok(text.trim().to_string())
    }
}

/// Declares an embedded template: `template!("command/system.j2")`.
#[macro_export]
macro_rules! template {
    ($path:literal) => {
        $crate::Template {
            name: $path,
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $path)),
        }
    };
}

/// Declares an embedded schema: `schema!("command/intent.schema.json")`.
#[macro_export]
macro_rules! schema {
    ($path:literal) => {
        $crate::SchemaFile {
            name: $path,
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $path)),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREETING: Template = Template {
        name: "test/greeting.j2",
        source: "Hello {{ name }}{% if items %}: {% for i in items %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}{% endif %}.",
    };

    #[test]
    fn renders_variables_and_loops() {
        let text = GREETING
            .render(serde_json::json!({"name": "Amy", "items": ["a", "b"]}))
            .unwrap();
        assert_eq!(text, "Hello Amy: a, b.");
    }

    #[test]
    fn a_missing_variable_is_an_error_naming_the_template() {
        let err = GREETING.render(serde_json::json!({})).unwrap_err();
        assert!(err.to_string().contains("test/greeting.j2"), "{err}");
    }

    #[test]
    fn a_bad_schema_is_an_error() {
        let bad = SchemaFile {
            name: "test/bad.schema.json",
            source: "{",
        };
        assert!(bad.json().is_err());
    }
}
