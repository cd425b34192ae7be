"""Provides the use-cases the UI drives and a test can drive without a screen."""
