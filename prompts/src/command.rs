//! The voice/text command pipeline's prompts: understanding one instruction.
