
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
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'claude-sandbox;remote'= {
            cand --task-file 'Read the task from FILE (''-'' for stdin)'
            cand -o 'Output: yaml or json (the manifest, with --dry-run), name (only the job name)'
            cand --output 'Output: yaml or json (the manifest, with --dry-run), name (only the job name)'
            cand --branch 'Branch the job clones (default: the current branch; required on a detached HEAD)'
            cand --repo-url 'Repository URL the job clones (default: the origin remote, as an https URL)'
            cand --services 'Services to run beside the agent: auto (detect), none, or a list like postgres,redis'
            cand --image 'Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]'
            cand --cpu 'CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]'
            cand --memory 'Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]'
            cand --env 'Extra environment variable for the agent (repeatable)'
            cand --secret 'Secret with the agent''s credentials [default: claude-sandbox-secrets]'
            cand --ttl 'Delete the finished job after this long [default: 1h]'
            cand --deadline 'Stop the job if it runs longer than this [default: 4h]'
            cand --context 'Kubernetes context to use (default: the kubeconfig''s current context)'
            cand -n 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --namespace 'Namespace for jobs (default: the context''s namespace, then "default")'
            cand --kubeconfig 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand -C 'Run as if started in DIR'
            cand --color 'When to use colour'
            cand --dry-run 'Print the Job instead of submitting it (needs no cluster)'
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
        &'claude-sandbox;help'= {
            cand remote 'Submit a task as a Kubernetes Job (detect, render, submit)'
            cand detect 'Show what `remote` would use: repository, branch, commit, services and image'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'claude-sandbox;help;remote'= {
        }
        &'claude-sandbox;help;detect'= {
        }
        &'claude-sandbox;help;completions'= {
        }
        &'claude-sandbox;help;help'= {
        }
    ]
    $completions[$command]
}
