"""A version's YAML and blank Excel checksheet: the owner's own, and the built-ins for any buyer."""

from io import BytesIO

import openpyxl

from questionnaires import build_questionnaire
from questionnaires.yaml_io import read_yaml
from tests.conftest import sign_in


def test_the_owner_downloads_its_version_and_any_buyer_a_builtin(client, buyers):
    sign_in(client, buyers.admin_a.email)
    response = client.get(f"/questionnaires/versions/{buyers.own.id}/yaml")
    assert response.status_code == 200 and 'filename="a-own-1.yaml"' in response.headers["Content-Disposition"]
    definition = read_yaml(response.get_data(as_text=True))
    assert definition == buyers.own.definition
    assert build_questionnaire(definition, "download").content_hash() == buyers.own.content_hash

    sheet = client.get(f"/questionnaires/versions/{buyers.own.id}/template.xlsx?lang=en")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")
    cells = [c for row in openpyxl.load_workbook(BytesIO(sheet.data)).active.iter_rows(values_only=True) for c in row]
    assert "Do you review it yearly?" in cells
    client.post("/sign-out")

    sign_in(client, buyers.admin_b.email)
    builtin = client.get(f"/questionnaires/versions/{buyers.builtin.id}/template.xlsx")
    assert builtin.status_code == 200
    cells = [c for row in openpyxl.load_workbook(BytesIO(builtin.data)).active.iter_rows(values_only=True) for c in row]
    assert "方針を年1回見直していますか。" in cells
    assert client.get(f"/questionnaires/versions/{buyers.own.id}/template.xlsx").status_code == 404
