"""Versioned objects: static summaries and the oslo.versionedobjects fingerprint."""
