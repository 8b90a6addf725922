"""scormpack: Markdown training modules to SCORM and Common Cartridge packages."""

__version__ = "0.1.0"
