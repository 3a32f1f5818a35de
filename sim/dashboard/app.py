"""The livesim dashboard: Mesa's SolaraViz page of a running model.

Run it with ``livesim dashboard [--scenario FILE]`` (or ``solara run
sim.dashboard.app``). It only lays out library calls from
:mod:`sim.dashboard.model`: no model logic here.
"""

from __future__ import annotations

import threading

import pandas as pd
import solara
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from sim.dashboard.model import (
    PLOTS,
    SHOCKS,
    DashboardModel,
    game_of_state,
    latest,
    schedule_shock,
    set_traffic_policy,
    traffic_policy,
)

# start-time levers: applied when Reset is pressed (SolaraViz's "Model Parameters" card)
MODEL_PARAMS = {
    "guarantees": {"type": "Checkbox", "value": False, "label": "platform guarantees (compensation, fast refunds, traceability)"},
    "credit": {"type": "Checkbox", "value": True, "label": "credit sub-model (order loans, trade credit, defaults)"},
    "seed": {"type": "InputText", "value": "0", "label": "seed"},
}


class _SeedAsInt(DashboardModel):
    """The text box gives the seed as text."""

    def __init__(self, guarantees: bool = False, credit: bool = True, seed="0", rng=None):
        try:
            s = max(0, int(str(seed).strip() or 0))
        except ValueError:
            s = 0
        super().__init__(guarantees=guarantees, credit=credit, seed=s)


@solara.component
def Levers(model):
    """Traffic levers acting on the running model from the next day."""
    update_counter.get()  # re-render after every step
    pol = traffic_policy(model)
    msg = solara.use_reactive("")

    def on_cap(v):
        set_traffic_policy(model, anchor_cap=float(v))
        msg.set(f"from day {model.day}: per-anchor cap {float(v):.2f}")

    def on_reserve(v):
        set_traffic_policy(model, long_tail_reserve=float(v))
        msg.set(f"from day {model.day}: long-tail reserve {float(v):.2f}")

    def shock(name):
        try:
            ev = schedule_shock(model, name)
            msg.set(f"{name} scheduled for day {ev['day']}")
        except ValueError as exc:
            msg.set(str(exc))

    with solara.Card("Levers and shocks (act from the next day)"):
        with solara.Div(classes=["livesim-cap"]):
            solara.SliderFloat("per-anchor traffic cap (1 = none)", value=pol["anchor_cap"], on_value=on_cap,
                               min=0.01, max=1.0, step=0.01)
        with solara.Div(classes=["livesim-reserve"]):
            solara.SliderFloat("long-tail reserve", value=pol["long_tail_reserve"], on_value=on_reserve,
                               min=0.0, max=0.5, step=0.05)
        with solara.Row():
            for name in SHOCKS:
                solara.Button(name, on_click=lambda n=name: shock(n), color="warning")
        solara.Text(msg.value, classes=["livesim-lever-message"])


@solara.component
def Latest(model):
    """The last day's value of every plotted measure."""
    update_counter.get()
    vals = latest(model)
    with solara.Card(f"Day {model.day}: latest values"):
        if vals:
            table = pd.DataFrame({"measure": list(vals), "value": [f"{v:.6g}" for v in vals.values()]})
            solara.HTML(tag="div", unsafe_innerHTML=table.to_html(index=False, border=0), classes=["livesim-latest"])
        else:
            solara.Text("Step the model to see values.", classes=["livesim-latest"])


@solara.component
def Coalition(model):
    """The coalition game of the current state, estimated on demand."""
    update_counter.get()
    window = solara.use_reactive(10)
    result = solara.use_reactive(None)
    status = solara.use_reactive("")
    busy = solara.use_reactive(False)

    def run():
        busy.set(True)
        status.set("estimating: 0 coalition runs done")
        day = model.day

        def work():
            try:
                d = game_of_state(model, window=int(window.value),
                                  progress=lambda k, n: status.set(f"estimating: {k} of {n} coalition runs done"))
                result.set((day, d))
                status.set("")
            except Exception as exc:  # shown on the page, not swallowed
                status.set(f"error: {exc}")
            finally:
                busy.set(False)

        threading.Thread(target=work, daemon=True).start()

    with solara.Card("Coalition game of the current state"):
        solara.SliderInt("window (days)", value=window, min=2, max=60)
        solara.Button("Estimate the game", on_click=run, disabled=busy.value, color="primary")
        if status.value:
            solara.Text(status.value, classes=["livesim-coalition-status"])
        if result.value is not None:
            day, d = result.value
            core = d["core"]
            head = (f"From day {day}, over {d['window_days']} days: theta_emergent = {d['theta_emergent']:.3f}; "
                    f"core: {'empty' if core['empty'] else 'non-empty'} (least-core epsilon "
                    f"{core['least_core_epsilon']:,.0f} yuan).")
            rows = []
            for rule, x in d["allocations"].items():
                v = core["rules"].get(rule)
                rows.append({"rule": rule, **{p: ("-" if x is None else f"{x[p]:,.0f}") for p in d["players"]},
                             "in core": "undefined" if v is None else ("yes" if v["in_core"] else "no"),
                             "blocked by": "" if v is None else ", ".join(f"{{{c}}}" for c in v["blocking"])})
            with solara.Div(classes=["livesim-coalition-result"]):
                solara.Text(head, classes=["livesim-core-verdict"])
                solara.HTML(tag="div", unsafe_innerHTML=pd.DataFrame(rows).to_html(index=False, border=0))


components = [(Levers, 0), (Latest, 0)]
components += [make_plot_component(series, backend="matplotlib", post_process=lambda ax, t=title: ax.set_title(t))
               for title, series in PLOTS.items()]
components += [(Coalition, 0)]


@solara.component
def Page():
    model = solara.use_memo(lambda: _SeedAsInt(), [])
    SolaraViz(model, components=components, model_params=MODEL_PARAMS, name="livesim", play_interval=200)


page = Page
