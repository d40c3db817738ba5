# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_claude_sandbox_global_optspecs
    string join \n context= n/namespace= kubeconfig= C= q/quiet v/verbose color= h/help V/version
end

function __fish_claude_sandbox_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_claude_sandbox_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_claude_sandbox_using_subcommand
    set -l cmd (__fish_claude_sandbox_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -s V -l version -d 'Print version'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "remote" -d 'Submit a task as a Kubernetes Job (detect, render, submit)'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "detect" -d 'Show what `remote` would use: repository, branch, commit, services and image'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "logs" -d 'Follow the agent\'s output of a job (default: the newest job of this repository)'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "list" -d 'List the jobs made by claude-sandbox'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "status" -d 'Show one job in depth: containers, sidecars, warnings, and what to do next'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "cancel" -d 'Delete running jobs and their pods'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "clean" -d 'Delete finished jobs made by claude-sandbox'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "setup" -d 'Create or update the credentials secret (hidden prompts on a terminal, else the environment)'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "doctor" -d 'Check everything a job needs: kubeconfig, cluster, permissions, the credentials secret'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "config" -d 'Show the effective settings and where each comes from, or the config file paths'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "image" -d 'Build the agent image, or push it, with the container engine on this machine'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "diff" -d 'Show a job\'s changes against the commit it started from (fetched with your own git)'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "checkout" -d 'Fetch a job\'s branch and switch to it, or open it in a new worktree'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "man" -d 'Print the manual page, or write one page per command into a directory'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "local" -d 'Run a task on this machine with Podman or Docker: the same pod `remote` would submit, followed to its end'
complete -c claude-sandbox -n "__fish_claude_sandbox_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l task-file -d 'Read the task from FILE (\'-\' for stdin)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -s o -l output -d 'Output: yaml or json (the Job as submitted, or as it would be with --dry-run), name (only the job name)' -r -f -a "yaml\t''
json\t''
name\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l timeout -d 'Stop waiting after this long (exit 124); the job keeps running' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l branch -d 'Branch the job clones (default: the current branch; required on a detached HEAD)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l repo-url -d 'Repository URL the job clones (default: the origin remote, as an https URL)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l services -d 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l image -d 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l cpu -d 'CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l memory -d 'Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l env -d 'Extra environment variable for the agent (repeatable)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l deadline -d 'Stop the job if it runs longer than this [default: 4h]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l max-turns -d 'Stop the agent after N turns (config: max_turns); the receipt says when it did' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l max-budget-usd -d 'Stop the agent once it has spent this many US dollars (config: max_budget_usd)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l secret -d 'Secret with the agent\'s credentials [default: claude-sandbox-secrets]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l ttl -d 'Delete the finished job after this long [default: 1h]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l queue -d 'Wait in this Kueue LocalQueue until Kueue admits the job (config: queue; "" for none)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l dry-run -d 'Print the Job instead of submitting it (needs no cluster)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -s f -l follow -d 'Follow the agent\'s output until the job ends; exit with its result'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l wait -d 'Wait silently until the job ends; exit with its result'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l raw -d 'With --follow: print the agent\'s stream-json lines as they are'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l pr -d 'Open a pull request for the pushed branch against the branch the job started from (config: pr); a draft unless --no-draft. The receipt has its address, or why not'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -l no-draft -d 'With --pr: open the pull request ready for review instead of as a draft (config: pr_draft)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand remote" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -l branch -d 'Branch the job clones (default: the current branch; required on a detached HEAD)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -l repo-url -d 'Repository URL the job clones (default: the origin remote, as an https URL)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -l services -d 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -l image -d 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand detect" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -s c -l container -d 'Container to read [default: claude]; e.g. postgres or redis for a sidecar' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -l no-follow -d 'Print what there is and return instead of following'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -l raw -d 'Print the stream-json lines as they are (the default when stdout is not a terminal)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand logs" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -l repo -d 'Only jobs of this repository URL (\'.\' for the repository you are in)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -l branch -d 'Only jobs of this branch' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -l status -d 'Only jobs in this state' -r -f -a "queued\t''
pending\t''
running\t''
succeeded\t''
failed\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
name\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -l archived -d 'List the logs saved on this machine instead (they outlive the jobs; no cluster needed)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand list" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand status" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand status" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand status" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand status" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand status" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand status" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand status" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand status" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand cancel" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand cancel" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand cancel" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand cancel" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand cancel" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand cancel" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand cancel" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand cancel" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -l older-than -d 'Only jobs that ended (or, with --all, started) longer ago than this' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -l failed -d 'Only failed jobs'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -l succeeded -d 'Only succeeded jobs'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -l all -d 'Also delete jobs that are still running (asks first; --yes when not at a terminal)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -s y -l yes -d 'Do not ask for confirmation'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -l dry-run -d 'Show what would be deleted and delete nothing'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand clean" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand completions" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand completions" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand completions" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand completions" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand completions" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand completions" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand completions" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand completions" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -l secret -d 'Name of the secret [default: claude-sandbox-secrets]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -l image-pull-secret -d 'Record a registry secret for pulling images in your config (image_pull_secrets)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -l from-env -d 'Take the values from GITHUB_TOKEN, CLAUDE_CODE_OAUTH_TOKEN / ANTHROPIC_API_KEY, TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (the default when not at a terminal)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -l dry-run -d 'Show the secret that would be written, values redacted, and change nothing'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -l network-policy -d 'Also apply a NetworkPolicy: no ingress; egress only to cluster DNS and public HTTPS'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand setup" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -l secret -d 'The credentials secret to check [default: claude-sandbox-secrets]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "show" -d 'The effective value of every setting and its source (flag, environment, file, default)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "path" -d 'Where the user and repository config files are (whether or not they exist)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and not __fish_seen_subcommand_from show path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format (json: each key\'s value and source, for scripts)' -r -f -a "text\t''
json\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from path" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from path" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from path" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from path" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from path" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'The effective value of every setting and its source (flag, environment, file, default)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Where the user and repository config files are (whether or not they exist)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -f -a "build" -d 'Build image/Dockerfile from claude-sandbox\'s source, tagged for this repository by default'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -f -a "push" -d 'Push the image to its registry and print the config line that makes jobs use it'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and not __fish_seen_subcommand_from build push help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -s t -l tag -d 'Image name and tag [default: the image `remote` would use for this repository]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -s o -l output -d 'Output format (json: the image and the engine, for scripts)' -r -f -a "text\t''
json\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -l ruby -d 'Ruby version of the image\'s base [default: the repository\'s, else the Dockerfile\'s]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -l node -d 'Node.js major version [default: the Dockerfile\'s]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -l source -d 'The claude-sandbox source tree to build [default: the one this binary was built from]' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -l with-agents -d 'Bake your ~/.claude/agents and ~/.claude/commands into the image'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -s t -l tag -d 'Image name and tag [default: the image `remote` would use for this repository]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -s o -l output -d 'Output format (json: the image and the engine, for scripts)' -r -f -a "text\t''
json\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "build" -d 'Build image/Dockerfile from claude-sandbox\'s source, tagged for this repository by default'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "push" -d 'Push the image to its registry and print the config line that makes jobs use it'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -l stat -d 'Only the files changed and how much (git diff --stat)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -l name-only -d 'Only the names of the files changed'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand diff" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -l worktree -d 'Check the branch out in a new worktree at DIR instead of switching this one' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand checkout" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -l dir -d 'Write claude-sandbox.1 and a page per command (claude-sandbox-logs.1, …) into DIR and print their paths' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand man" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l task-file -d 'Read the task from FILE (\'-\' for stdin)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -s o -l output -d 'Output: with --dry-run the pod as yaml or json; after a run, json prints the receipt' -r -f -a "yaml\t''
json\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l timeout -d 'Stop the run after this long (exit 124); the pod is removed (kept with --keep)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l network -d 'The engine\'s network the pod joins [default: the engine\'s]; `host` shares this machine\'s network with the agent, only for a git host that listens on this machine alone' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l credentials -d 'Read the credentials from FILE (KEY=VALUE lines) before the environment' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l branch -d 'Branch the job clones (default: the current branch; required on a detached HEAD)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l repo-url -d 'Repository URL the job clones (default: the origin remote, as an https URL)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l services -d 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l image -d 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l cpu -d 'CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l memory -d 'Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l env -d 'Extra environment variable for the agent (repeatable)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l deadline -d 'Stop the job if it runs longer than this [default: 4h]' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l max-turns -d 'Stop the agent after N turns (config: max_turns); the receipt says when it did' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l max-budget-usd -d 'Stop the agent once it has spent this many US dollars (config: max_budget_usd)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l context -d 'Kubernetes context to use (default: the kubeconfig\'s current context)' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -s n -l namespace -d 'Namespace for jobs (default: the context\'s namespace, then "default")' -r
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l kubeconfig -d 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -s C -d 'Run as if started in DIR' -r -F
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l dry-run -d 'Print what the engine would run (podman: the pod as YAML; docker: its commands) and run nothing'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l raw -d 'Print the agent\'s stream-json lines as they are'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -l keep -d 'Leave the pod (stopped) and its volumes for inspection instead of removing them'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -s q -l quiet -d 'Print only results and errors'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -s v -l verbose -d 'Say more about what is happening (repeat for more)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand local" -s h -l help -d 'Print help'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "remote" -d 'Submit a task as a Kubernetes Job (detect, render, submit)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "detect" -d 'Show what `remote` would use: repository, branch, commit, services and image'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "logs" -d 'Follow the agent\'s output of a job (default: the newest job of this repository)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "list" -d 'List the jobs made by claude-sandbox'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "status" -d 'Show one job in depth: containers, sidecars, warnings, and what to do next'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "cancel" -d 'Delete running jobs and their pods'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "clean" -d 'Delete finished jobs made by claude-sandbox'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "completions" -d 'Print a shell completion script'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "setup" -d 'Create or update the credentials secret (hidden prompts on a terminal, else the environment)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "doctor" -d 'Check everything a job needs: kubeconfig, cluster, permissions, the credentials secret'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "config" -d 'Show the effective settings and where each comes from, or the config file paths'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "image" -d 'Build the agent image, or push it, with the container engine on this machine'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "diff" -d 'Show a job\'s changes against the commit it started from (fetched with your own git)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "checkout" -d 'Fetch a job\'s branch and switch to it, or open it in a new worktree'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "man" -d 'Print the manual page, or write one page per command into a directory'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "local" -d 'Run a task on this machine with Podman or Docker: the same pod `remote` would submit, followed to its end'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and not __fish_seen_subcommand_from remote detect logs list status cancel clean completions setup doctor config image diff checkout man local help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'The effective value of every setting and its source (flag, environment, file, default)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Where the user and repository config files are (whether or not they exist)'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "build" -d 'Build image/Dockerfile from claude-sandbox\'s source, tagged for this repository by default'
complete -c claude-sandbox -n "__fish_claude_sandbox_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "push" -d 'Push the image to its registry and print the config line that makes jobs use it'

# Job names: where a JOB goes, claude-sandbox itself answers (the cluster's recent jobs within a
# second, else the logs kept on this machine).
function __fish_claude_sandbox_program
    set -l program (string replace -r '^~' $HOME -- (commandline -opc)[1])
    string match -q -- '*/*' $program; or set program (command -s -- $program)
    test -x "$program"; and echo $program
end

function __fish_claude_sandbox_at_job
    set -l program (__fish_claude_sandbox_program); or return 1
    $program __complete-jobs --check (commandline -cp) 2>/dev/null
end

function __fish_claude_sandbox_jobs
    set -l program (__fish_claude_sandbox_program); or return
    $program __complete-jobs (commandline -cp) 2>/dev/null
end

complete -c claude-sandbox -n "__fish_claude_sandbox_at_job" -f -k -a "(__fish_claude_sandbox_jobs)"
