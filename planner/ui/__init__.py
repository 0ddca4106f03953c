"""The desktop window (PySide6 and pyqtgraph). Qt is imported only inside this package."""
