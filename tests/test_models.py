"""The shared values (crawler/models.py): pickled by their fields (a report as plain values), they come back exactly."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler import models

MODELS = [value for value in vars(models).values() if dataclasses.is_dataclass(value) and isinstance(value, type)]


def every_field(value: object) -> object:
    """The value with every field, those `compare` leaves out included, and its type at each level."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value), tuple(every_field(getattr(value, each.name)) for each in dataclasses.fields(value))
    if isinstance(value, tuple):
        return tuple, tuple(every_field(item) for item in value)
    if isinstance(value, dict):
        return type(value), {key: every_field(item) for key, item in value.items()}
    return type(value), value


def test_every_model_pickles_by_its_fields():
    assert {model.__name__ for model in MODELS} == set(models.__all__) - {
        name for name in models.__all__ if not dataclasses.is_dataclass(getattr(models, name))
    }
    for model in MODELS:
        assert issubclass(model, models._PickledByFields), model.__name__


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@settings(deadline=None)  # the first example builds the strategies of every nested model
@given(data=st.data())
def test_a_model_comes_back_from_pickle_with_every_field(model: type, data: st.DataObject):
    value = data.draw(st.from_type(model))
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert back == value
        assert every_field(back) == every_field(value)


@pytest.mark.parametrize(
    "model", [model for model in MODELS if model is not models.LinkReport], ids=lambda model: model.__name__
)
@settings(deadline=None)  # the first example builds the strategies of every nested model
@given(data=st.data())
def test_the_fields_pickled_are_the_state_dataclasses_would_pickle(model: type, data: st.DataObject):
    value = data.draw(st.from_type(model))
    rebuild, values = value.__reduce__()
    assert rebuild is model
    assert values == tuple(value.__getstate__())  # dataclasses' own pickling of a frozen slotted class
    assert every_field(rebuild(*values)) == every_field(value)


@settings(deadline=None)
@given(report=st.from_type(models.LinkReport))
def test_a_report_pickled_as_plain_values_comes_back_as_by_its_fields(report: models.LinkReport):
    rebuild, values = report.__reduce__()
    by_fields, fields = models._PickledByFields.__reduce__(report)
    assert every_field(rebuild(*values)) == every_field(by_fields(*fields)) == every_field(report)
