"""Knowledge documents: the URL policy for ``document.repo``, fetching at pinned commits, selection, chunking."""
