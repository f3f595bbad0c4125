output "repository_arn" {
  description = "ARN of the image repository."
  value       = aws_ecr_repository.this.arn
}

output "repository_url" {
  description = "URL to push release images to."
  value       = aws_ecr_repository.this.repository_url
}
