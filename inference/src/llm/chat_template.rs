//! The model's chat template (`tokenizer.chat_template`, Jinja as Hugging Face writes
//! it) rendered with minijinja, with the functions and Python string methods HF
//! templates use.

use minijinja::{context, Environment, Error as JinjaError, ErrorKind as JinjaErrorKind};
use serde::Serialize;

use crate::{Error, Result};

/// ChatML, for GGUFs that carry no template.
const CHATML: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }
}

pub struct ChatTemplate {
    /// `None`: a base model without a template, prompted with the messages' text.
    env: Option<Environment<'static>>,
    bos: String,
    eos: String,
}

impl ChatTemplate {
    /// `source` is the template text (ChatML when `None`); `bos`/`eos` are the texts of
    /// the model's special tokens, which templates may print.
    pub fn new(source: Option<&str>, bos: String, eos: String) -> Result<ChatTemplate> {
        let mut env = Environment::new();
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> Result<String, JinjaError> {
                Err(JinjaError::new(JinjaErrorKind::InvalidOperation, msg))
            },
        );
        env.add_function("strftime_now", |_fmt: String| -> String {
            // Templates print today's date into system prompts; keep runs reproducible.
            String::new()
        });
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        let source = source.unwrap_or(CHATML).to_string();
        env.add_template_owned("chat", source)
            .map_err(|e| Error::Engine(format!("the model's chat template does not parse: {e}")))?;
        Ok(ChatTemplate {
            env: Some(env),
            bos,
            eos,
        })
    }

    /// For a base model: the messages' contents, in order, each followed by a blank
    /// line except the last, with no roles or markers (the model continues the text).
    pub fn plain() -> ChatTemplate {
        ChatTemplate {
            env: None,
            bos: String::new(),
            eos: String::new(),
        }
    }

    pub fn is_plain(&self) -> bool {
        self.env.is_none()
    }

    /// The prompt text for `messages`, ending with the assistant's turn opened when
    /// `add_generation_prompt`.
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String> {
        let Some(env) = &self.env else {
            let parts: Vec<&str> = messages
                .iter()
                .map(|m| m.content.as_str())
                .filter(|c| !c.is_empty())
                .collect();
            return Ok(parts.join("\n\n"));
        };
        let tmpl = env
            .get_template("chat")
            .map_err(|e| Error::Engine(format!("chat template: {e}")))?;
        tmpl.render(context! {
            messages => messages,
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos,
            eos_token => self.eos,
        })
        .map_err(|e| Error::BadInput(format!("the chat template refused the messages: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_renders_with_generation_prompt() {
        let t = ChatTemplate::new(None, String::new(), "<|im_end|>".into()).unwrap();
        let s = t
            .render(
                &[
                    Message::new("system", "Be brief."),
                    Message::new("user", "Hi"),
                ],
                true,
            )
            .unwrap();
        assert_eq!(
            s,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn plain_template_joins_the_texts() {
        let t = ChatTemplate::plain();
        let s = t
            .render(
                &[
                    Message::new("system", "Notes of the meeting."),
                    Message::new("user", "The budget is due on"),
                ],
                true,
            )
            .unwrap();
        assert_eq!(s, "Notes of the meeting.\n\nThe budget is due on");
    }

    #[test]
    fn raise_exception_is_an_error() {
        let t = ChatTemplate::new(
            Some("{% if messages|length == 0 %}{{ raise_exception('no messages') }}{% endif %}"),
            String::new(),
            String::new(),
        )
        .unwrap();
        let err = t.render(&[], true).unwrap_err().to_string();
        assert!(err.contains("no messages"), "{err}");
    }
}
