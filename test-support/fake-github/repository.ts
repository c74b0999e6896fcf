/** `GET /repos/{owner}/{repo}`: the fields a client reads to learn the repository's numeric id. */
export function repositoryJson(apiUrl: string, owner: string, repo: string, id: number): Record<string, unknown> {
  return {
    id,
    node_id: `R_kgDO${id}`,
    name: repo,
    full_name: `${owner}/${repo}`,
    private: false,
    fork: false,
    owner: { login: owner, id: id + 1, type: 'Organization' },
    url: `${apiUrl}/repos/${owner}/${repo}`,
    html_url: `https://github.com/${owner}/${repo}`,
    default_branch: 'main',
  };
}
