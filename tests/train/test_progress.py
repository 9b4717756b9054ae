"""Progress reporting: a tqdm bar on a terminal, one line per epoch elsewhere,
nothing with verbose=0; the History."""

import io

from symgraph.nn.progress import EpochProgress, History


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run_epoch(stream, verbose):
    with EpochProgress(2, 5, batches=3, verbose=verbose, stream=stream) as progress:
        for i in range(3):
            progress.update(lambda: {"loss": 1.0 / (i + 1)})
        progress.finish({"loss": 0.25, "val_loss": 0.5}, samples=96)


def test_bar_on_a_terminal(capsys):
    terminal = Terminal()
    run_epoch(terminal, verbose=1)
    text = terminal.getvalue()
    assert "epoch 2/5" in text and "3/3" in text and "val_loss=0.5000" in text
    assert capsys.readouterr().out == ""


def test_one_line_per_epoch_elsewhere_and_silence_with_verbose_0(capsys):
    log = io.StringIO()
    run_epoch(log, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("epoch 2/5: loss 0.2500 - val_loss 0.5000 (") and "samples/s" in out
    assert log.getvalue() == ""
    run_epoch(Terminal(), verbose=0)
    assert capsys.readouterr().out == ""


def test_history_is_a_dict_of_lists():
    history = History()
    history.append({"loss": 2, "accuracy": 0.5})
    history.append({"loss": 1, "accuracy": 0.75})
    assert history == {"loss": [2.0, 1.0], "accuracy": [0.5, 0.75]}
    assert history.history is history and history.epoch == [0, 1]
