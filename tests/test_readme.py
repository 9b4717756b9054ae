"""The README's snippets run, in order, as a user would paste them."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_snippets_run(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the snippets write parameter files and pictures
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 5
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    assert "has 128 features but 'fc2_weight' expects 256" in printed
    assert "[ 0.  4.  8. 12.]" in printed
    assert "Trainable parameters: 4,810" in printed          # model.summary()
    assert "Trainable parameters: 101,770" in printed        # sg.viz.print_summary(net)
    assert {"digits.npz", "digits_curves.png", "mlp.png", "mlp_kernels.svg"} <= {
        p.name for p in tmp_path.iterdir()}
