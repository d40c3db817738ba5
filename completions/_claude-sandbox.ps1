
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'claude-sandbox' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'claude-sandbox'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'claude-sandbox' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('remote', 'remote', [CompletionResultType]::ParameterValue, 'Submit a task as a Kubernetes Job (detect, render, submit)')
            [CompletionResult]::new('detect', 'detect', [CompletionResultType]::ParameterValue, 'Show what `remote` would use: repository, branch, commit, services and image')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Follow the agent''s output of a job (default: the newest job of this repository)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the jobs made by claude-sandbox')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show one job in depth: containers, sidecars, warnings, and what to do next')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Delete running jobs and their pods')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Delete finished jobs made by claude-sandbox')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create or update the credentials secret (hidden prompts on a terminal, else the environment)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check everything a job needs: kubeconfig, cluster, permissions, the credentials secret')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective settings and where each comes from, or the config file paths')
            [CompletionResult]::new('image', 'image', [CompletionResultType]::ParameterValue, 'Build the agent image, or push it, with the container engine on this machine')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show a job''s changes against the commit it started from (fetched with your own git)')
            [CompletionResult]::new('checkout', 'checkout', [CompletionResultType]::ParameterValue, 'Fetch a job''s branch and switch to it, or open it in a new worktree')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page, or write one page per command into a directory')
            [CompletionResult]::new('local', 'local', [CompletionResultType]::ParameterValue, 'Run a task on this machine with Podman or Docker: the same pod `remote` would submit, followed to its end')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'claude-sandbox;remote' {
            [CompletionResult]::new('--task-file', '--task-file', [CompletionResultType]::ParameterName, 'Read the task from FILE (''-'' for stdin)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output: yaml or json (the Job as submitted, or as it would be with --dry-run), name (only the job name)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output: yaml or json (the Job as submitted, or as it would be with --dry-run), name (only the job name)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop waiting after this long (exit 124); the job keeps running')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Branch the job clones (default: the current branch; required on a detached HEAD)')
            [CompletionResult]::new('--repo-url', '--repo-url', [CompletionResultType]::ParameterName, 'Repository URL the job clones (default: the origin remote, as an https URL)')
            [CompletionResult]::new('--services', '--services', [CompletionResultType]::ParameterName, 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Extra environment variable for the agent (repeatable)')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Stop the job if it runs longer than this [default: 4h]')
            [CompletionResult]::new('--max-turns', '--max-turns', [CompletionResultType]::ParameterName, 'Stop the agent after N turns (config: max_turns); the receipt says when it did')
            [CompletionResult]::new('--max-budget-usd', '--max-budget-usd', [CompletionResultType]::ParameterName, 'Stop the agent once it has spent this many US dollars (config: max_budget_usd)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Secret with the agent''s credentials [default: claude-sandbox-secrets]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Delete the finished job after this long [default: 1h]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Wait in this Kueue LocalQueue until Kueue admits the job (config: queue; "" for none)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the Job instead of submitting it (needs no cluster)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Follow the agent''s output until the job ends; exit with its result')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Follow the agent''s output until the job ends; exit with its result')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait silently until the job ends; exit with its result')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'With --follow: print the agent''s stream-json lines as they are')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'Open a pull request for the pushed branch against the branch the job started from (config: pr); a draft unless --no-draft. The receipt has its address, or why not')
            [CompletionResult]::new('--no-draft', '--no-draft', [CompletionResultType]::ParameterName, 'With --pr: open the pull request ready for review instead of as a draft (config: pr_draft)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;detect' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Branch the job clones (default: the current branch; required on a detached HEAD)')
            [CompletionResult]::new('--repo-url', '--repo-url', [CompletionResultType]::ParameterName, 'Repository URL the job clones (default: the origin remote, as an https URL)')
            [CompletionResult]::new('--services', '--services', [CompletionResultType]::ParameterName, 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;logs' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Container to read [default: claude]; e.g. postgres or redis for a sidecar')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Container to read [default: claude]; e.g. postgres or redis for a sidecar')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Print what there is and return instead of following')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the stream-json lines as they are (the default when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;list' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Only jobs of this repository URL (''.'' for the repository you are in)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Only jobs of this branch')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only jobs in this state')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--archived', '--archived', [CompletionResultType]::ParameterName, 'List the logs saved on this machine instead (they outlive the jobs; no cluster needed)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;status' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;cancel' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;clean' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only jobs that ended (or, with --all, started) longer ago than this')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--failed', '--failed', [CompletionResultType]::ParameterName, 'Only failed jobs')
            [CompletionResult]::new('--succeeded', '--succeeded', [CompletionResultType]::ParameterName, 'Only succeeded jobs')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also delete jobs that are still running (asks first; --yes when not at a terminal)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be deleted and delete nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;completions' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;setup' {
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Name of the secret [default: claude-sandbox-secrets]')
            [CompletionResult]::new('--image-pull-secret', '--image-pull-secret', [CompletionResultType]::ParameterName, 'Record a registry secret for pulling images in your config (image_pull_secrets)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--from-env', '--from-env', [CompletionResultType]::ParameterName, 'Take the values from GITHUB_TOKEN, CLAUDE_CODE_OAUTH_TOKEN / ANTHROPIC_API_KEY, TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (the default when not at a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the secret that would be written, values redacted, and change nothing')
            [CompletionResult]::new('--network-policy', '--network-policy', [CompletionResultType]::ParameterName, 'Also apply a NetworkPolicy: no ingress; egress only to cluster DNS and public HTTPS')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;doctor' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The credentials secret to check [default: claude-sandbox-secrets]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;config' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The effective value of every setting and its source (flag, environment, file, default)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Where the user and repository config files are (whether or not they exist)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'claude-sandbox;config;show' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (json: each key''s value and source, for scripts)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (json: each key''s value and source, for scripts)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;config;path' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The effective value of every setting and its source (flag, environment, file, default)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Where the user and repository config files are (whether or not they exist)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'claude-sandbox;config;help;show' {
            break
        }
        'claude-sandbox;config;help;path' {
            break
        }
        'claude-sandbox;config;help;help' {
            break
        }
        'claude-sandbox;image' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build image/Dockerfile from claude-sandbox''s source, tagged for this repository by default')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Push the image to its registry and print the config line that makes jobs use it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'claude-sandbox;image;build' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Image name and tag [default: the image `remote` would use for this repository]')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Image name and tag [default: the image `remote` would use for this repository]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (json: the image and the engine, for scripts)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (json: the image and the engine, for scripts)')
            [CompletionResult]::new('--ruby', '--ruby', [CompletionResultType]::ParameterName, 'Ruby version of the image''s base [default: the repository''s, else the Dockerfile''s]')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'Node.js major version [default: the Dockerfile''s]')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The claude-sandbox source tree to build [default: the one this binary was built from]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--with-agents', '--with-agents', [CompletionResultType]::ParameterName, 'Bake your ~/.claude/agents and ~/.claude/commands into the image')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;image;push' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Image name and tag [default: the image `remote` would use for this repository]')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Image name and tag [default: the image `remote` would use for this repository]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (json: the image and the engine, for scripts)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (json: the image and the engine, for scripts)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;image;help' {
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build image/Dockerfile from claude-sandbox''s source, tagged for this repository by default')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Push the image to its registry and print the config line that makes jobs use it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'claude-sandbox;image;help;build' {
            break
        }
        'claude-sandbox;image;help;push' {
            break
        }
        'claude-sandbox;image;help;help' {
            break
        }
        'claude-sandbox;diff' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--stat', '--stat', [CompletionResultType]::ParameterName, 'Only the files changed and how much (git diff --stat)')
            [CompletionResult]::new('--name-only', '--name-only', [CompletionResultType]::ParameterName, 'Only the names of the files changed')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;checkout' {
            [CompletionResult]::new('--worktree', '--worktree', [CompletionResultType]::ParameterName, 'Check the branch out in a new worktree at DIR instead of switching this one')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write claude-sandbox.1 and a page per command (claude-sandbox-logs.1, …) into DIR and print their paths')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;local' {
            [CompletionResult]::new('--task-file', '--task-file', [CompletionResultType]::ParameterName, 'Read the task from FILE (''-'' for stdin)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output: with --dry-run the pod as yaml or json; after a run, json prints the receipt')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output: with --dry-run the pod as yaml or json; after a run, json prints the receipt')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop the run after this long (exit 124); the pod is removed (kept with --keep)')
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'The engine''s network the pod joins [default: the engine''s]; `host` shares this machine''s network with the agent, only for a git host that listens on this machine alone')
            [CompletionResult]::new('--credentials', '--credentials', [CompletionResultType]::ParameterName, 'Read the credentials from FILE (KEY=VALUE lines) before the environment')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Branch the job clones (default: the current branch; required on a detached HEAD)')
            [CompletionResult]::new('--repo-url', '--repo-url', [CompletionResultType]::ParameterName, 'Repository URL the job clones (default: the origin remote, as an https URL)')
            [CompletionResult]::new('--services', '--services', [CompletionResultType]::ParameterName, 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Extra environment variable for the agent (repeatable)')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Stop the job if it runs longer than this [default: 4h]')
            [CompletionResult]::new('--max-turns', '--max-turns', [CompletionResultType]::ParameterName, 'Stop the agent after N turns (config: max_turns); the receipt says when it did')
            [CompletionResult]::new('--max-budget-usd', '--max-budget-usd', [CompletionResultType]::ParameterName, 'Stop the agent once it has spent this many US dollars (config: max_budget_usd)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use (default: the kubeconfig''s current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for jobs (default: the context''s namespace, then "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what the engine would run (podman: the pod as YAML; docker: its commands) and run nothing')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the agent''s stream-json lines as they are')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Leave the pod (stopped) and its volumes for inspection instead of removing them')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'claude-sandbox;help' {
            [CompletionResult]::new('remote', 'remote', [CompletionResultType]::ParameterValue, 'Submit a task as a Kubernetes Job (detect, render, submit)')
            [CompletionResult]::new('detect', 'detect', [CompletionResultType]::ParameterValue, 'Show what `remote` would use: repository, branch, commit, services and image')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Follow the agent''s output of a job (default: the newest job of this repository)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the jobs made by claude-sandbox')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show one job in depth: containers, sidecars, warnings, and what to do next')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Delete running jobs and their pods')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Delete finished jobs made by claude-sandbox')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create or update the credentials secret (hidden prompts on a terminal, else the environment)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check everything a job needs: kubeconfig, cluster, permissions, the credentials secret')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective settings and where each comes from, or the config file paths')
            [CompletionResult]::new('image', 'image', [CompletionResultType]::ParameterValue, 'Build the agent image, or push it, with the container engine on this machine')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show a job''s changes against the commit it started from (fetched with your own git)')
            [CompletionResult]::new('checkout', 'checkout', [CompletionResultType]::ParameterValue, 'Fetch a job''s branch and switch to it, or open it in a new worktree')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page, or write one page per command into a directory')
            [CompletionResult]::new('local', 'local', [CompletionResultType]::ParameterValue, 'Run a task on this machine with Podman or Docker: the same pod `remote` would submit, followed to its end')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'claude-sandbox;help;remote' {
            break
        }
        'claude-sandbox;help;detect' {
            break
        }
        'claude-sandbox;help;logs' {
            break
        }
        'claude-sandbox;help;list' {
            break
        }
        'claude-sandbox;help;status' {
            break
        }
        'claude-sandbox;help;cancel' {
            break
        }
        'claude-sandbox;help;clean' {
            break
        }
        'claude-sandbox;help;completions' {
            break
        }
        'claude-sandbox;help;setup' {
            break
        }
        'claude-sandbox;help;doctor' {
            break
        }
        'claude-sandbox;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The effective value of every setting and its source (flag, environment, file, default)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Where the user and repository config files are (whether or not they exist)')
            break
        }
        'claude-sandbox;help;config;show' {
            break
        }
        'claude-sandbox;help;config;path' {
            break
        }
        'claude-sandbox;help;image' {
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build image/Dockerfile from claude-sandbox''s source, tagged for this repository by default')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Push the image to its registry and print the config line that makes jobs use it')
            break
        }
        'claude-sandbox;help;image;build' {
            break
        }
        'claude-sandbox;help;image;push' {
            break
        }
        'claude-sandbox;help;diff' {
            break
        }
        'claude-sandbox;help;checkout' {
            break
        }
        'claude-sandbox;help;man' {
            break
        }
        'claude-sandbox;help;local' {
            break
        }
        'claude-sandbox;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
