/** Hostile names, each trying to run `touch <marker>` if quoting failed. */
export function hostileValues(marker: string): string[] {
  return [
    `it's here`,
    `with spaces and 'quotes'`,
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `x; touch ${marker}`,
    `x\ntouch ${marker}`,
    `x' ; touch ${marker}; echo '`,
    `x && touch ${marker} || \\`,
    `\${IFS}touch\${IFS}${marker}`,
    `-rf`,
  ];
}
