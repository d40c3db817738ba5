
use builtin;
use str;

set edit:completion:arg-completer[claude-sandbox] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'claude-sandbox'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'claude-sandbox'= {
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand remote 'Submit a task as a Kubernetes Job (detect, render, submit)'
            cand detect 'Show what `remote` would use: repository, branch, commit, services and image'
            cand logs 'Follow the agent''s output of a job (default: the newest job of this repository)'
            cand list 'List the jobs made by claude-sandbox'
            cand status 'Show one job in depth: containers, sidecars, warnings, and what to do next'
            cand cancel 'Delete running jobs and their pods'
            cand clean 'Delete finished jobs made by claude-sandbox'
            cand completions 'Print a shell completion script'
            cand setup 'Create or update the credentials secret (hidden prompts on a terminal, else the environment)'
            cand doctor 'Check everything a job needs: kubeconfig, cluster, permissions, the credentials secret'
            cand config 'Show the effective settings and where each comes from, or the config file paths'
            cand image 'Build the agent image, or push it, with the container engine on this machine'
            cand diff 'Show a job''s changes against the commit it started from (fetched with your own git)'
            cand checkout 'Fetch a job''s branch and switch to it, or open it in a new worktree'
            cand man 'Print the manual page, or write one page per command into a directory'
            cand local 'Run a task on this machine with Podman or Docker: the same pod `remote` would submit, followed to its end'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'claude-sandbox;remote'= {
            cand --task-file 'Read the task from FILE (''-'' for stdin)'
            cand -o 'Output: yaml or json (the Job as submitted, or as it would be with --dry-run), name (only the job name)'
            cand --output 'Output: yaml or json (the Job as submitted, or as it would be with --dry-run), name (only the job name)'
            cand --timeout 'Stop waiting after this long (exit 124); the job keeps running'
            cand --branch 'Branch the job clones (default: the current branch; required on a detached HEAD)'
            cand --repo-url 'Repository URL the job clones (default: the origin remote, as an https URL)'
            cand --services 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis'
            cand --image 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]'
            cand --cpu 'CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]'
            cand --memory 'Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]'
            cand --env 'Extra environment variable for the agent (repeatable)'
            cand --deadline 'Stop the job if it runs longer than this [default: 4h]'
            cand --max-turns 'Stop the agent after N turns (config: max_turns); the receipt says when it did'
            cand --max-budget-usd 'Stop the agent once it has spent this many US dollars (config: max_budget_usd)'
            cand --secret 'Secret with the agent''s credentials [default: claude-sandbox-secrets]'
            cand --ttl 'Delete the finished job after this long [default: 1h]'
            cand --queue 'Wait in this Kueue LocalQueue until Kueue admits the job (config: queue; "" for none)'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --dry-run 'Print the Job instead of submitting it (needs no cluster)'
            cand -f 'Follow the agent''s output until the job ends; exit with its result'
            cand --follow 'Follow the agent''s output until the job ends; exit with its result'
            cand --wait 'Wait silently until the job ends; exit with its result'
            cand --raw 'With --follow: print the agent''s stream-json lines as they are'
            cand --pr 'Open a pull request for the pushed branch against the branch the job started from (config: pr); a draft unless --no-draft. The receipt has its address, or why not'
            cand --no-draft 'With --pr: open the pull request ready for review instead of as a draft (config: pr_draft)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;detect'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --branch 'Branch the job clones (default: the current branch; required on a detached HEAD)'
            cand --repo-url 'Repository URL the job clones (default: the origin remote, as an https URL)'
            cand --services 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis'
            cand --image 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;logs'= {
            cand -c 'Container to read [default: claude]; e.g. postgres or redis for a sidecar'
            cand --container 'Container to read [default: claude]; e.g. postgres or redis for a sidecar'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --no-follow 'Print what there is and return instead of following'
            cand --raw 'Print the stream-json lines as they are (the default when stdout is not a terminal)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;list'= {
            cand --repo 'Only jobs of this repository URL (''.'' for the repository you are in)'
            cand --branch 'Only jobs of this branch'
            cand --status 'Only jobs in this state'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --archived 'List the logs saved on this machine instead (they outlive the jobs; no cluster needed)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;status'= {
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;cancel'= {
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;clean'= {
            cand --older-than 'Only jobs that ended (or, with --all, started) longer ago than this'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --failed 'Only failed jobs'
            cand --succeeded 'Only succeeded jobs'
            cand --all 'Also delete jobs that are still running (asks first; --yes when not at a terminal)'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Show what would be deleted and delete nothing'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;completions'= {
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;setup'= {
            cand --secret 'Name of the secret [default: claude-sandbox-secrets]'
            cand --image-pull-secret 'Record a registry secret for pulling images in your config (image_pull_secrets)'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --from-env 'Take the values from GITHUB_TOKEN, CLAUDE_CODE_OAUTH_TOKEN / ANTHROPIC_API_KEY, TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (the default when not at a terminal)'
            cand --dry-run 'Show the secret that would be written, values redacted, and change nothing'
            cand --network-policy 'Also apply a NetworkPolicy: no ingress; egress only to cluster DNS and public HTTPS'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;doctor'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --secret 'The credentials secret to check [default: claude-sandbox-secrets]'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;config'= {
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand show 'The effective value of every setting and its source (flag, environment, file, default)'
            cand path 'Where the user and repository config files are (whether or not they exist)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'claude-sandbox;config;show'= {
            cand -o 'Output format (json: each key''s value and source, for scripts)'
            cand --output 'Output format (json: each key''s value and source, for scripts)'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;config;path'= {
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;config;help'= {
            cand show 'The effective value of every setting and its source (flag, environment, file, default)'
            cand path 'Where the user and repository config files are (whether or not they exist)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'claude-sandbox;config;help;show'= {
        }
        &'claude-sandbox;config;help;path'= {
        }
        &'claude-sandbox;config;help;help'= {
        }
        &'claude-sandbox;image'= {
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand build 'Build image/Dockerfile from claude-sandbox''s source, tagged for this repository by default'
            cand push 'Push the image to its registry and print the config line that makes jobs use it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'claude-sandbox;image;build'= {
            cand -t 'Image name and tag [default: the image `remote` would use for this repository]'
            cand --tag 'Image name and tag [default: the image `remote` would use for this repository]'
            cand -o 'Output format (json: the image and the engine, for scripts)'
            cand --output 'Output format (json: the image and the engine, for scripts)'
            cand --ruby 'Ruby version of the image''s base [default: the repository''s, else the Dockerfile''s]'
            cand --node 'Node.js major version [default: the Dockerfile''s]'
            cand --source 'The claude-sandbox source tree to build [default: the one this binary was built from]'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --with-agents 'Bake your ~/.claude/agents and ~/.claude/commands into the image'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;image;push'= {
            cand -t 'Image name and tag [default: the image `remote` would use for this repository]'
            cand --tag 'Image name and tag [default: the image `remote` would use for this repository]'
            cand -o 'Output format (json: the image and the engine, for scripts)'
            cand --output 'Output format (json: the image and the engine, for scripts)'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;image;help'= {
            cand build 'Build image/Dockerfile from claude-sandbox''s source, tagged for this repository by default'
            cand push 'Push the image to its registry and print the config line that makes jobs use it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'claude-sandbox;image;help;build'= {
        }
        &'claude-sandbox;image;help;push'= {
        }
        &'claude-sandbox;image;help;help'= {
        }
        &'claude-sandbox;diff'= {
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --stat 'Only the files changed and how much (git diff --stat)'
            cand --name-only 'Only the names of the files changed'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;checkout'= {
            cand --worktree 'Check the branch out in a new worktree at DIR instead of switching this one'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;man'= {
            cand --dir 'Write claude-sandbox.1 and a page per command (claude-sandbox-logs.1, …) into DIR and print their paths'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;local'= {
            cand --task-file 'Read the task from FILE (''-'' for stdin)'
            cand -o 'Output: with --dry-run the pod as yaml or json; after a run, json prints the receipt'
            cand --output 'Output: with --dry-run the pod as yaml or json; after a run, json prints the receipt'
            cand --timeout 'Stop the run after this long (exit 124); the pod is removed (kept with --keep)'
            cand --network 'The engine''s network the pod joins [default: the engine''s]; `host` shares this machine''s network with the agent, only for a git host that listens on this machine alone'
            cand --credentials 'Read the credentials from FILE (KEY=VALUE lines) before the environment'
            cand --branch 'Branch the job clones (default: the current branch; required on a detached HEAD)'
            cand --repo-url 'Repository URL the job clones (default: the origin remote, as an https URL)'
            cand --services 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis'
            cand --image 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]'
            cand --cpu 'CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]'
            cand --memory 'Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]'
            cand --env 'Extra environment variable for the agent (repeatable)'
            cand --deadline 'Stop the job if it runs longer than this [default: 4h]'
            cand --max-turns 'Stop the agent after N turns (config: max_turns); the receipt says when it did'
            cand --max-budget-usd 'Stop the agent once it has spent this many US dollars (config: max_budget_usd)'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --dry-run 'Print what the engine would run (podman: the pod as YAML; docker: its commands) and run nothing'
            cand --raw 'Print the agent''s stream-json lines as they are'
            cand --keep 'Leave the pod (stopped) and its volumes for inspection instead of removing them'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Say more about what is happening (repeat for more)'
            cand --verbose 'Say more about what is happening (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'claude-sandbox;help'= {
            cand remote 'Submit a task as a Kubernetes Job (detect, render, submit)'
            cand detect 'Show what `remote` would use: repository, branch, commit, services and image'
            cand logs 'Follow the agent''s output of a job (default: the newest job of this repository)'
            cand list 'List the jobs made by claude-sandbox'
            cand status 'Show one job in depth: containers, sidecars, warnings, and what to do next'
            cand cancel 'Delete running jobs and their pods'
            cand clean 'Delete finished jobs made by claude-sandbox'
            cand completions 'Print a shell completion script'
            cand setup 'Create or update the credentials secret (hidden prompts on a terminal, else the environment)'
            cand doctor 'Check everything a job needs: kubeconfig, cluster, permissions, the credentials secret'
            cand config 'Show the effective settings and where each comes from, or the config file paths'
            cand image 'Build the agent image, or push it, with the container engine on this machine'
            cand diff 'Show a job''s changes against the commit it started from (fetched with your own git)'
            cand checkout 'Fetch a job''s branch and switch to it, or open it in a new worktree'
            cand man 'Print the manual page, or write one page per command into a directory'
            cand local 'Run a task on this machine with Podman or Docker: the same pod `remote` would submit, followed to its end'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'claude-sandbox;help;remote'= {
        }
        &'claude-sandbox;help;detect'= {
        }
        &'claude-sandbox;help;logs'= {
        }
        &'claude-sandbox;help;list'= {
        }
        &'claude-sandbox;help;status'= {
        }
        &'claude-sandbox;help;cancel'= {
        }
        &'claude-sandbox;help;clean'= {
        }
        &'claude-sandbox;help;completions'= {
        }
        &'claude-sandbox;help;setup'= {
        }
        &'claude-sandbox;help;doctor'= {
        }
        &'claude-sandbox;help;config'= {
            cand show 'The effective value of every setting and its source (flag, environment, file, default)'
            cand path 'Where the user and repository config files are (whether or not they exist)'
        }
        &'claude-sandbox;help;config;show'= {
        }
        &'claude-sandbox;help;config;path'= {
        }
        &'claude-sandbox;help;image'= {
            cand build 'Build image/Dockerfile from claude-sandbox''s source, tagged for this repository by default'
            cand push 'Push the image to its registry and print the config line that makes jobs use it'
        }
        &'claude-sandbox;help;image;build'= {
        }
        &'claude-sandbox;help;image;push'= {
        }
        &'claude-sandbox;help;diff'= {
        }
        &'claude-sandbox;help;checkout'= {
        }
        &'claude-sandbox;help;man'= {
        }
        &'claude-sandbox;help;local'= {
        }
        &'claude-sandbox;help;help'= {
        }
    ]
    $completions[$command]
}
