"""Signals of the project (Scrapy's signal manager carries them)."""

#: sent by the storage pipeline once it holds the archive and has read its state;
#: handlers receive `state` (an archive.state.ArchiveState)
archive_opened = object()
