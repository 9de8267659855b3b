"""`python -m ent_directory.import_csv` as an operator runs it, on a 2,000-row file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEADER = "profil;identifiant;nom;prenom;login;classes;matieres;fonction;enfants"
CLASSES = [f"{level}{letter}" for level in (6, 5, 4, 3) for letter in "ABCDEF"]  # 24 classes
ROWS = 2000


def school_file(path: Path) -> Path:
    """1,200 students, 600 parents of two, 150 teachers, 48 staff and two bad rows."""
    lines = [HEADER]
    for i in range(1200):
        lines.append(f"eleve;S{i:04};Nom{i % 97};Prénom{i};;{CLASSES[i % len(CLASSES)]};;;")
    for i in range(600):
        lines.append(f"parent;R{i:04};Nom{i % 97};Parent{i};;;;;S{2 * i:04},S{2 * i + 1:04}")
    for i in range(150):
        taught = [CLASSES[(i + k) % len(CLASSES)] for k in range(3)]
        if i < len(CLASSES):
            taught[0] = f"*{taught[0]}"
        lines.append(f"enseignant;E{i:03};Prof{i};Ens{i};;{','.join(taught)};Matière{i % 12};;")
    functions = ("direction", "vie_scolaire", "secretariat", "autre")
    for i in range(48):
        lines.append(f"personnel;P{i:02};Pers{i};Agent{i};;;;{functions[i % 4]};")
    lines.append("eleve;S9998;Sansclasse;Paul;;;;;")  # line 2000: no class
    lines.append("directeur;X1;Durand;Paul;;;;;")  # line 2001: unknown profil
    assert len(lines) == ROWS + 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ENT_STORE_URL": f"sqlite://{store}"}
    return subprocess.run(
        [sys.executable, "-m", "ent_directory.import_csv", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )


def test_cli_imports_a_large_file_then_reimports_it_unchanged(tmp_path: Path) -> None:
    csv_path = school_file(tmp_path / "school.csv")
    store = tmp_path / "directory" / "store.db"
    store.parent.mkdir()

    first = run_cli("--school-id", "school-cli", str(csv_path), store=store)

    assert first.returncode == 0, first.stderr
    assert "Import terminé : 2000 lignes lues, 1998 créés" in first.stdout
    assert "1200 liens parent-enfant créés, 2 erreurs" in first.stdout
    assert "ligne 2000 : un élève est dans exactement une classe" in first.stdout
    assert "ligne 2001 : profil « directeur » inconnu" in first.stdout
    assert "Import: 100%" in first.stderr  # the progress bar, on stderr
    total = 1998 + len(CLASSES) + 600 + 1
    assert f"{total}/{total}" in first.stderr

    again = run_cli("--school-id", "school-cli", "--json", str(csv_path), store=store)

    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1998)
    assert (report["deactivated"], report["linked"]) == (0, 0)
    assert [e["line"] for e in report["errors"]] == [2000, 2001]


def test_cli_exits_2_on_an_unreadable_file_or_header(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"{HEADER}\neleve;S1;Lefèvre;Zoé;;6A;;;\n".encode("latin-1"))
    no_header = tmp_path / "no_header.csv"
    no_header.write_text("eleve;S1;Martin;Lucas;;6A;;;\n", encoding="utf-8")

    for path in (latin1, no_header, tmp_path / "missing.csv"):
        result = run_cli("--school-id", "school-cli", str(path), store=store)
        assert result.returncode == 2, (path, result.stdout, result.stderr)
        assert "fichier illisible" in result.stderr
    assert not store.exists()  # nothing was opened, nothing written
