"""The stopping rule's learning-rate schedule: warm up, hold the peak until learned, decay to zero, end."""

from __future__ import annotations

from pytest import approx

from lab_cli.train.schedule import HoldThenDecay


def _schedule(epochs: int = 8, decay_epochs: int = 1, steps_per_epoch: int = 10, warmup: int = 5) -> HoldThenDecay:
    schedule = HoldThenDecay(epochs, decay_epochs)
    schedule.plan(warmup, steps_per_epoch * epochs)
    return schedule


def test_the_rate_warms_up_then_holds_its_peak_until_the_leaves_are_learned() -> None:
    schedule = _schedule()
    assert [schedule(step) for step in range(6)] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert all(schedule(step) == 1.0 for step in range(5, 70))  # no decay while the leaves are unlearned


def test_once_learned_the_rate_decays_to_zero_over_the_decay_epochs_and_the_phase_ends() -> None:
    schedule = _schedule(decay_epochs=2)
    assert not schedule.done(3)
    schedule.learned(step=30, epoch=3)
    assert schedule(30) == 1.0 and schedule(40) == 0.5 and schedule(49) == approx(0.05) and schedule(50) == 0.0
    assert not schedule.done(4) and schedule.done(5)
    schedule.learned(step=40, epoch=4)  # learned again later: the decay that began goes on
    assert schedule(40) == 0.5 and schedule.learned_epoch == 3


def test_leaves_not_learned_in_time_still_get_the_decay_before_the_cap() -> None:
    schedule = _schedule(epochs=8, decay_epochs=1)
    assert schedule(69) == 1.0 and schedule(70) == 1.0 and schedule(75) == 0.5 and schedule(79) == approx(0.1)
    assert not schedule.done(8)  # never learned: the cap, not the rule, ends the phase
    late = _schedule(epochs=8, decay_epochs=1)
    late.learned(step=80, epoch=8)  # learned at the cap: the decay already ran
    assert late(75) == 0.5 and late.learned_epoch == 8


def test_no_decay_epochs_ends_the_phase_when_learned() -> None:
    schedule = _schedule(decay_epochs=0)
    schedule.learned(step=20, epoch=2)
    assert schedule(20) == 1.0 and schedule.done(2)


def test_when_the_decay_began_survives_the_schedulers_state_dict() -> None:
    import torch
    from torch.optim.lr_scheduler import LambdaLR

    def scheduler(schedule: HoldThenDecay) -> LambdaLR:
        return LambdaLR(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0), schedule)

    before = _schedule()
    before.learned(step=30, epoch=3)
    after = _schedule()
    scheduler(after).load_state_dict(scheduler(before).state_dict())  # what a resumed phase does
    assert after.learned_epoch == 3 and after(35) == 0.5
