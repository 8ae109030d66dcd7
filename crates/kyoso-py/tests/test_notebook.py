"""examples/notebook.ipynb runs headless from top to bottom (every cell, no error)."""

from __future__ import annotations

from conftest import REPO


def test_the_example_notebook_runs():
    import nbclient
    import nbformat

    path = REPO / "examples" / "notebook.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert sum(c.cell_type == "code" for c in nb.cells) >= 6
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert len(figures) >= 2, "the shares/gap figure and the sweep's effect figure"
