use super::*;

const MIX: &str = r#"defmodule App.MixProject do
  use Mix.Project

  defp deps do
    [
      {:phoenix, "~> 1.7"},
      {:ecto_sql, "~> 3.10"},
      {:postgrex, ">= 0.0.0"},
      # {:redix, "~> 1.1"},
      {:redix, "~> 1.1", only: :prod},
      {:floki, ">= 0.30.0", only: [:dev, :test]}
    ]
  end
end
"#;

#[test]
fn mix_deps() {
    let d = run(&[("mix.exs", MIX)]);
    assert_services(&d, &[PG], &[REDIS]);
    assert_eq!(evidence(&d, PG), vec!["mix.exs: dependency :postgrex"]);
    assert_eq!(
        evidence(&d, REDIS),
        vec!["mix.exs: dependency :redix (only: :prod)"]
    );
    let test_only = "defp deps, do: [{:redix,\n  \"~> 1.1\",\n  only: [:dev, :test]}]\n";
    assert_services(&run(&[("mix.exs", test_only)]), &[REDIS], &[]);
    let optional = "defp deps, do: [{:postgrex, \"~> 0.17\", optional: true}]\n";
    assert_services(&run(&[("mix.exs", optional)]), &[], &[PG]);
}

#[test]
fn umbrella_apps() {
    let d = run(&[
        (
            "mix.exs",
            "defmodule U.MixProject do\n  def project, do: [apps_path: \"apps\"]\nend\n",
        ),
        (
            "apps/web/mix.exs",
            "defp deps, do: [{:redix, \"~> 1.0\"}]\n",
        ),
    ]);
    assert_services(&d, &[REDIS], &[]);
}
