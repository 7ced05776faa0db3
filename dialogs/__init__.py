"""The conversation itself: questionnaire definitions and the pure engine. No messenger, no I/O."""
