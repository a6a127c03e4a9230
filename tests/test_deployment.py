"""prefect.yaml at the repository root is a deployment Prefect's own loader accepts, of a flow that
exists, with parameters that flow takes and a valid cron schedule. No server needed."""

from __future__ import annotations

import inspect

import yaml

from tests.conftest import ROOT


def test_prefect_yaml_deploys_the_inbox_flow():
    from prefect.cli.deploy._models import PrefectYamlModel
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    raw = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    model = PrefectYamlModel.model_validate(raw)  # raises on a malformed file (the CLI only warns and skips)
    assert [d.name for d in model.deployments] == ["sistercity-inbox"]
    dep = model.deployments[0]

    path, _, name = dep.entrypoint.partition(":")
    flow = load_flow_from_entrypoint(str(ROOT / path) + ":" + name)
    assert flow.name == "scheduled_process_inbox"
    signature = inspect.signature(flow.fn)
    assert set(dep.parameters) <= set(signature.parameters), set(dep.parameters) - set(signature.parameters)
    required = {n for n, p in signature.parameters.items() if p.default is inspect.Parameter.empty}
    assert required <= set(dep.parameters)

    schedules = [CronSchedule(**s.model_dump(exclude_unset=True)) for s in dep.schedules]
    assert [s.cron for s in schedules] == ["0 2 * * *"]
    assert dep.work_pool.name
