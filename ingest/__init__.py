"""Loaders: read boundary files, convert coordinates, validate codes and topology."""
