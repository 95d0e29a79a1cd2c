/**
 * Catches what a page throws while rendering (a page's code that failed to download, a bug) so the rest of
 * the dashboard keeps working: the page area says what happened and offers a reload. It resets when the
 * user navigates elsewhere (`resetKey`).
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  readonly resetKey: string;
  readonly children: ReactNode;
}

export class PageErrorBoundary extends Component<Props, { error: Error | null; key: string }> {
  override state = { error: null as Error | null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: { error: Error | null; key: string }) {
    return props.resetKey === state.key ? null : { error: null, key: props.resetKey };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('page failed', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="notice notice-error" role="alert">
        <p>This page could not be shown: {this.state.error.message}</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </div>
    );
  }
}
