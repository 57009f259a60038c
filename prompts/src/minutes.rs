//! The meeting-minutes pipeline's prompts: extraction per chunk, and the summary.
