"""The whole country: panels read a chunk of provinces at a time, a synthetic panel, and the batch."""
